package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.ssh.JumpHostServer;
import dev.runbook.worker.ssh.SshKeys;
import dev.runbook.worker.ssh.TunnelPool;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lease-end cleanup ({@code sql.terminate-sessions} with {@code tunnelSessions: true}) on a
 * real PostgreSQL and a real MariaDB behind an embedded SSH jump host (MINA SSHD): sessions of the
 * access user that came through the jump box end; another user's session through the same jump box
 * and the engine's own sessions (same source address, the engine's user) survive. On loopback every
 * client is 127.0.0.1, so the user is what tells them apart, as it is on AWS where the worker's
 * tunnel and the engineers' share the jump box's private address.
 */
class TunnelSessionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path dir;
  private static LocalPostgres postgres;
  private static MariaDbServer mariadb;
  private static JumpHostServer jump;
  private static Path secrets;
  private static Path userKey;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("runbook-tunnel-sessions-");
    userKey = SshKeys.generate(dir, "id_ed25519", "ed25519", "", false);
    jump = JumpHostServer.start(dir, userKey);
    postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0,
                List.of(new LocalDatabases.Database("platform", "sshtest", "local/platform")),
                null));
    Credentials engine = LocalSecrets.read(postgres.secretsFile()).get("local/platform");
    try (Connection su = superuser();
        Statement s = su.createStatement()) {
      s.execute("CREATE ROLE tunnel_alice LOGIN PASSWORD 'alice-pw'");
      s.execute("CREATE ROLE other_user LOGIN PASSWORD 'other-pw'");
      // what terminating another role's session takes on PostgreSQL
      s.execute("GRANT pg_signal_backend, pg_read_all_stats TO " + LocalPostgres.ROLE);
    }
    mariadb = MariaDbServer.start("root-pw-tunnel");
    mariadb.createDatabase("sshtest", "runbook", "engine-pw");
    mariadb.createDatabase("sshtest", "tunnel_alice", "alice-pw");
    mariadb.createDatabase("sshtest", "other_user", "other-pw");
    try (Connection root = mariadb.root("mysql");
        Statement s = root.createStatement()) {
      // what seeing and ending other users' sessions takes on MySQL/MariaDB
      s.execute("GRANT PROCESS, CONNECTION ADMIN ON *.* TO 'runbook'@'127.0.0.1'");
    }
    secrets = dir.resolve("secrets.json");
    ObjectNode root = JSON.createObjectNode();
    root.putObject("local/platform")
        .put("username", engine.username())
        .put("password", engine.password());
    root.putObject("local/platform-access")
        .put("username", "tunnel_alice")
        .put("password", "alice-pw");
    root.putObject("local/invoicing").put("username", "runbook").put("password", "engine-pw");
    root.putObject("local/invoicing-access")
        .put("username", "tunnel_alice")
        .put("password", "alice-pw");
    Files.createFile(
        secrets,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(secrets, JSON.writeValueAsString(root));
  }

  @AfterAll
  static void stop() {
    jump.close();
    postgres.close();
    mariadb.close();
  }

  private static Connection superuser() throws IOException, SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", Files.readString(postgres.directory().resolve(".superuser")).strip());
    return DriverManager.getConnection(postgres.jdbcUrl("sshtest"), p);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Environment {@code stage}: both databases behind the jump box, with the given access lines. */
  private static EnvironmentSpec environment(String access, boolean accessSecrets)
      throws IOException {
    String own = accessSecrets ? "" : "#";
    String text =
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        jumpBox:
          instanceId: i-0123456789abcdef0
          securityGroupId: sg-0123456789abcdef0
          host: 127.0.0.1
          sshUser: tester
          sshPort: %d
          hostKey: %s
          privateKeyFile: %s
        %s
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %d
            database: sshtest
            secretId: local/platform
            %saccessSecretId: local/platform-access
            via: jump-box
            localPort: %d
          invoicing:
            engine: mariadb
            endpoint: 127.0.0.1
            port: %d
            database: sshtest
            secretId: local/invoicing
            %saccessSecretId: local/invoicing-access
            via: jump-box
            localPort: %d
        secrets: { provider: local }
        """
            .formatted(
                jump.port(),
                jump.hostKeyLine(),
                userKey,
                access,
                postgres.port(),
                own,
                freePort(),
                mariadb.port(),
                own,
                freePort());
    return Fixtures.environment("stage", text).spec();
  }

  /** The worker's SQL steps for {@code env}, through its tunnel pool. */
  private record Worker(TunnelPool pool, SqlTargets targets, JdbcSqlActivities sql)
      implements AutoCloseable {
    static Worker of(EnvironmentSpec env) {
      LocalCredentialSource credentials = new LocalCredentialSource(secrets);
      TunnelPool pool =
          new TunnelPool(
              TunnelPool.jumpHosts(List.of(env)),
              (e, id) -> credentials.fetch(id).password(),
              TunnelPool.Settings.defaults());
      SqlTargets targets =
          SqlTargets.of(List.of(env), Map.of(), Map.of("stage", credentials)).withRoute(pool);
      return new Worker(pool, targets, new JdbcSqlActivities(targets, SqlSettings.defaults()));
    }

    /** A client session through the worker's tunnel (as an engineer's through theirs). */
    Connection client(String database, String user, String password) throws SQLException {
      SqlTarget target = targets.get("stage", database);
      Properties p = new Properties();
      p.setProperty("user", user);
      p.setProperty("password", password);
      return DriverManager.getConnection(target.jdbcUrl(), p);
    }

    StepResult step(String uses, String with) throws IOException {
      StepRequest request =
          new StepRequest(
              "access-run",
              "db-access",
              "stage",
              "end_sessions",
              uses,
              JSON.readTree(with),
              "h",
              "alice",
              "access-run/stage/end_sessions");
      return uses.equals("sql.query") ? sql.query(request) : sql.terminateSessions(request);
    }

    StepResult endSessions(String database) throws IOException {
      return step(
          "sql.terminate-sessions",
          "{\"database\": \""
              + database
              + "\", \"tunnelSessions\": true, \"reason\": \"the access of alice ended\"}");
    }

    @Override
    public void close() {
      sql.close();
      pool.close();
    }
  }

  private static long sessionId(Connection c, boolean pg) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean alive(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      return rs.next();
    } catch (SQLException gone) {
      return false;
    }
  }

  private static Set<Long> ids(StepResult result, String field) {
    Set<Long> ids = new TreeSet<>();
    result.outputs().path(field).forEach(n -> ids.add(n.asLong()));
    return ids;
  }

  private void theAccessUsersTunnelSessionsEndAndNoOtherOne(String database, boolean pg)
      throws Exception {
    EnvironmentSpec env =
        environment(
            "access: { terminateSessions: true, tunnelSources: [10.0.1.15/32, 127.0.0.1/32] }",
            true);
    try (Worker worker = Worker.of(env)) {
      // the engine's own pooled session, through the same jump box
      assertEquals(
          "[[1]]", worker.step("sql.query", queryWith(database)).outputs().path("rows").toString());
      List<Connection> alice = new ArrayList<>();
      alice.add(worker.client(database, "tunnel_alice", "alice-pw"));
      alice.add(worker.client(database, "tunnel_alice", "alice-pw"));
      Connection other = worker.client(database, "other_user", "other-pw");
      Connection engineClient =
          worker.client(
              database,
              pg
                  ? LocalSecrets.read(postgres.secretsFile()).get("local/platform").username()
                  : "runbook",
              pg
                  ? LocalSecrets.read(postgres.secretsFile()).get("local/platform").password()
                  : "engine-pw");
      Set<Long> aliceIds = new TreeSet<>();
      for (Connection c : alice) {
        aliceIds.add(sessionId(c, pg));
      }

      StepResult ended = worker.endSessions(database);

      assertEquals(aliceIds, ids(ended, "terminated"), ended.summary());
      assertEquals(Set.of(), ids(ended, "refused"), ended.summary());
      assertEquals("", ended.outputs().path("skipped").asText());
      assertTrue(
          ended
              .summary()
              .startsWith(
                  "terminated 2 of 2 session(s) of tunnel_alice from 10.0.1.15/32, 127.0.0.1/32"
                      + " on "
                      + database),
          ended.summary());
      for (Connection c : alice) {
        assertFalse(alive(c), "alice's tunnel session was ended");
      }
      assertTrue(alive(other), "another user's session through the same jump box survives");
      assertTrue(alive(engineClient), "a session of the engine's user survives");
      assertEquals(
          "[[1]]",
          worker.step("sql.query", queryWith(database)).outputs().path("rows").toString(),
          "the engine's pooled session survives");

      StepResult again = worker.endSessions(database);
      assertEquals(Set.of(), ids(again, "terminated"), "a retry ends nothing more");
      for (Connection c : List.of(other, engineClient, alice.get(0), alice.get(1))) {
        c.close();
      }
    }
  }

  private static String queryWith(String database) {
    return "{\"database\": \"" + database + "\", \"query\": \"SELECT 1 AS one\"}";
  }

  @Test
  void onPostgresqlTheAccessUsersTunnelSessionsEndAndAnotherUsersAndTheEnginesSurvive()
      throws Exception {
    theAccessUsersTunnelSessionsEndAndNoOtherOne("platform", true);
  }

  @Test
  void onMariaDbTheAccessUsersTunnelSessionsEndAndAnotherUsersAndTheEnginesSurvive()
      throws Exception {
    theAccessUsersTunnelSessionsEndAndNoOtherOne("invoicing", false);
  }

  @Test
  void sessionsFromAnotherAddressAreNotTunnelSessions() throws Exception {
    EnvironmentSpec env =
        environment("access: { terminateSessions: true, tunnelSources: [10.0.1.15/32] }", true);
    try (Worker worker = Worker.of(env);
        Connection alice = worker.client("invoicing", "tunnel_alice", "alice-pw")) {
      StepResult ended = worker.endSessions("invoicing");
      assertEquals(Set.of(), ids(ended, "terminated"), ended.summary());
      assertTrue(alive(alice));
    }
  }

  @Test
  void anEnvironmentThatDoesNotAskEndsNothingAndSaysWhy() throws Exception {
    EnvironmentSpec env = environment("access: { maxTtl: 2h }", true);
    try (Worker worker = Worker.of(env);
        Connection alice = worker.client("platform", "tunnel_alice", "alice-pw")) {
      StepResult skipped = worker.endSessions("platform");
      assertEquals(
          "stage does not ask for it (access.terminateSessions is not true)",
          skipped.outputs().path("skipped").asText());
      assertEquals(
          "no sessions looked for on platform: stage does not ask for it"
              + " (access.terminateSessions is not true)",
          skipped.summary());
      assertTrue(alive(alice));
    }
  }

  @Test
  void accessAsTheEnginesOwnUserIsRefusedWithoutEndingAnything() throws Exception {
    EnvironmentSpec env =
        environment("access: { terminateSessions: true, tunnelSources: [127.0.0.1/32] }", false);
    try (Worker worker = Worker.of(env);
        Connection engineUser = worker.client("invoicing", "runbook", "engine-pw")) {
      ApplicationFailure refused =
          assertThrows(ApplicationFailure.class, () -> worker.endSessions("invoicing"));
      assertEquals("CONFIGURATION", refused.getType());
      assertEquals(
          "databases.invoicing of stage: temporary access logs in as the engine's own user"
              + " runbook, whose sessions through the jump box cannot be told from the engine's;"
              + " give the database an accessSecretId with a user of its own",
          refused.getOriginalMessage());
      assertTrue(alive(engineUser));
    }
  }
}
