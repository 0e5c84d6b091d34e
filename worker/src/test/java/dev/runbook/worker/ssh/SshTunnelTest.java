package dev.runbook.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Worker tunnels through a real SSH jump host (MINA SSHD) to a real PostgreSQL. */
class SshTunnelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SshFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SshFixture.start();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static StepRequest query(String sql) {
    ObjectNode with = JSON.createObjectNode();
    with.put("database", "platform");
    with.put("query", sql);
    return new StepRequest(
        "run-1", "rb", "stage", "q", "sql.query", with, "h", "alice", "run-1/stage/q");
  }

  private static TunnelPool.Settings settings() {
    return TunnelPool.Settings.defaults().withIdle(Duration.ofMinutes(5));
  }

  @Test
  void aQueryStepReachesAJumpBoxDatabaseThroughThePooledTunnel() {
    EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
    int channelsBefore = fixture.jump.channelsOpened();
    try (TunnelPool pool = fixture.pool(env, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
      StepResult result = sql.query(query("SELECT current_database() AS db, 41 + 1 AS answer"));
      assertEquals("[[\"sshtest\",42]]", result.outputs().path("rows").toString());
      StepResult again = sql.query(query("SELECT 2 AS two"));
      assertEquals("[[2]]", again.outputs().path("rows").toString());
      assertEquals(1, pool.openTunnels(), "one tunnel shared by both steps");
      assertEquals(1, pool.connects(pool.jumpHost("stage")), "one SSH session");
      assertTrue(fixture.jump.channelsOpened() > channelsBefore, "the traffic went through sshd");
    }
  }

  @Test
  void theSshTunnelStepReturnsTheLocalEndAndJoinsAnOpenTunnel() {
    EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
    try (TunnelPool pool = fixture.pool(env, settings());
        SshTunnelActivities ssh =
            new SshTunnelActivities(pool, SshTunnelActivities.databases(List.of(env)))) {
      ObjectNode with = JSON.createObjectNode().put("database", "platform");
      StepRequest request =
          new StepRequest("run-1", "rb", "stage", "t", "ssh.tunnel", with, "h", "alice", "k");
      StepResult first = ssh.tunnel(request);
      StepResult second = ssh.tunnel(request);
      assertEquals("127.0.0.1", first.outputs().path("host").asText());
      assertEquals(first.outputs().path("port"), second.outputs().path("port"));
      assertTrue(
          first.summary().contains("via tester@127.0.0.1:" + fixture.jump.port()), first.summary());
      assertEquals(1, pool.openTunnels());
    }
  }

  @Test
  void aWrongPinnedHostKeyIsRefusedNamingTheOfferedFingerprint() throws Exception {
    Path other = Files.createTempDirectory("other-host-");
    Path otherKey = SshKeys.generate(other, "host", "ed25519", "", false);
    String lines =
        "hostKey: " + SshKeys.publicLine(otherKey) + "\nprivateKeyFile: " + fixture.userKey;
    EnvironmentSpec env = fixture.spec(fixture.environment(lines));
    try (TunnelPool pool = fixture.pool(env, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
      ApplicationFailure failure =
          assertThrows(ApplicationFailure.class, () -> sql.query(query("SELECT 1")));
      String offered = Fingerprints.ofLine(fixture.jump.hostKeyLine());
      assertEquals("CONFIGURATION", failure.getType());
      assertEquals(
          "host key refused: the jump box tester@127.0.0.1:"
              + fixture.jump.port()
              + " of stage offered ssh-ed25519 "
              + offered
              + ", which differs from the pinned jumpBox.hostKey ("
              + Fingerprints.ofLine(SshKeys.publicLine(otherKey))
              + ") of stage.yaml; if the jump box was rebuilt, check the new key out of band"
              + " (ssh-keyscan, the console) and update the environment file",
          failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable());
    }
  }

  @Test
  void aKnownHostsFileWithoutTheHostIsRefusedAndOneWithItWorks() throws Exception {
    Path empty = fixture.dir.resolve("known_hosts_other");
    Files.writeString(empty, "[127.0.0.1]:1 " + fixture.jump.hostKeyLine() + "\n");
    EnvironmentSpec env =
        fixture.spec(
            fixture.environment(
                "knownHostsFile: " + empty + "\nprivateKeyFile: " + fixture.userKey));
    try (TunnelPool pool = fixture.pool(env, settings())) {
      ApplicationFailure failure =
          assertThrows(
              ApplicationFailure.class,
              () ->
                  pool.open(
                      "stage",
                      "platform",
                      new dev.runbook.worker.sql.SqlTargets.Endpoint(
                          "127.0.0.1", fixture.postgres.port())));
      assertTrue(
          failure
              .getOriginalMessage()
              .contains(
                  "offered ssh-ed25519 "
                      + Fingerprints.ofLine(fixture.jump.hostKeyLine())
                      + ", which is not in the known_hosts file "
                      + empty),
          failure.getOriginalMessage());
    }
    Path known = fixture.dir.resolve("known_hosts");
    Files.writeString(
        known, "[127.0.0.1]:" + fixture.jump.port() + " " + fixture.jump.hostKeyLine() + "\n");
    EnvironmentSpec good =
        fixture.spec(
            fixture.environment(
                "knownHostsFile: " + known + "\nprivateKeyFile: " + fixture.userKey));
    try (TunnelPool pool = fixture.pool(good, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(good, pool), SqlSettings.defaults())) {
      assertEquals("[[1]]", sql.query(query("SELECT 1")).outputs().path("rows").toString());
    }
  }

  @Test
  void aKeyTheJumpHostDoesNotAuthorizeIsRefused() throws Exception {
    Path stranger =
        SshKeys.generate(Files.createTempDirectory("stranger-"), "id", "ed25519", "", false);
    EnvironmentSpec env =
        fixture.spec(
            fixture.environment(
                "hostKey: " + fixture.jump.hostKeyLine() + "\nprivateKeyFile: " + stranger));
    try (TunnelPool pool = fixture.pool(env, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
      ApplicationFailure failure =
          assertThrows(ApplicationFailure.class, () -> sql.query(query("SELECT 1")));
      assertEquals("CONFIGURATION", failure.getType());
      assertEquals(
          "the jump box tester@127.0.0.1:"
              + fixture.jump.port()
              + " of stage refused the key of tester ("
              + stranger
              + ", no agent): public key authentication failed",
          failure.getOriginalMessage());
    }
  }

  @Test
  void aPemKeyWithAPassphraseFromTheSecretsProviderIsUsed() throws Exception {
    Path dir = Files.createTempDirectory("pem-");
    Path pem = SshKeys.generate(dir, "id_rsa", "rsa", "s3cret-phrase", true);
    Path secrets = dir.resolve("secrets.yaml");
    try (JumpHostServer rsaJump = JumpHostServer.start(Files.createTempDirectory("jump-"), pem)) {
      Files.writeString(secrets, "stage/ssh-key: { username: tester, password: s3cret-phrase }\n");
      String text =
          fixture
              .environment(
                  "hostKey: "
                      + rsaJump.hostKeyLine()
                      + "\nprivateKeyFile: "
                      + pem
                      + "\npassphraseSecretId: stage/ssh-key")
              .replace("sshPort: " + fixture.jump.port(), "sshPort: " + rsaJump.port());
      EnvironmentSpec env = fixture.spec(text);
      dev.runbook.worker.sql.LocalCredentialSource phrases =
          new dev.runbook.worker.sql.LocalCredentialSource(secrets);
      try (TunnelPool pool =
              new TunnelPool(
                  TunnelPool.jumpHosts(List.of(env)),
                  (e, id) -> phrases.fetch(id).password(),
                  settings());
          JdbcSqlActivities sql =
              new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
        assertEquals("[[3]]", sql.query(query("SELECT 3")).outputs().path("rows").toString());
      }
      Files.writeString(
          secrets, "stage/ssh-key: { username: tester, password: not-the-phrase-7781 }\n");
      try (TunnelPool pool =
          new TunnelPool(
              TunnelPool.jumpHosts(List.of(env)),
              (e, id) -> phrases.fetch(id).password(),
              settings())) {
        ApplicationFailure failure =
            assertThrows(
                ApplicationFailure.class,
                () -> pool.open(pool.jumpHost("stage"), "127.0.0.1", 1, 0));
        assertEquals("CONFIGURATION", failure.getType());
        assertTrue(
            failure
                .getOriginalMessage()
                .startsWith(
                    "cannot use the private key "
                        + pem
                        + " for the jump box of stage (wrong passphrase?)"),
            failure.getOriginalMessage());
        assertTrue(
            !failure.getOriginalMessage().contains("not-the-phrase-7781"),
            "no passphrase in the message");
      }
    }
  }

  @Test
  void aDroppedJumpHostSessionIsOpenedAgainByTheNextStep() throws Exception {
    EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
    try (TunnelPool pool = fixture.pool(env, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
      assertEquals("[[1]]", sql.query(query("SELECT 1")).outputs().path("rows").toString());
      fixture.jump.dropSessions();
      Thread.sleep(1000); // the next step comes later; pooled connections are checked on borrow
      assertEquals("[[2]]", sql.query(query("SELECT 2")).outputs().path("rows").toString());
      assertEquals(2, pool.connects(pool.jumpHost("stage")), "reconnected once");
    }
  }

  @Test
  void aJumpHostDroppedDuringAQueryFailsThatStepAsTransientAndTheNextStepReconnects()
      throws Exception {
    EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
    try (TunnelPool pool = fixture.pool(env, settings());
        JdbcSqlActivities sql =
            new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
      assertEquals("[[1]]", sql.query(query("SELECT 1")).outputs().path("rows").toString());
      var running =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  sql.query(
                      query(
                          "SELECT count(*) AS n FROM generate_series(1, 40000) a,"
                              + " generate_series(1, 40000) b")));
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (!sleeping() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(sleeping(), "the query runs through the tunnel");
      fixture.jump.dropSessions(); // mid-query: the jump box reboots or the network cuts
      var thrown =
          assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> running.get(30, java.util.concurrent.TimeUnit.SECONDS));
      ApplicationFailure lost = (ApplicationFailure) thrown.getCause();
      assertEquals("TRANSIENT", lost.getType(), lost.getOriginalMessage()); // Temporal retries it
      assertTrue(lost.getOriginalMessage().contains("was lost during"), lost.getOriginalMessage());
      assertEquals("[[3]]", sql.query(query("SELECT 3")).outputs().path("rows").toString());
      assertEquals(2, pool.connects(pool.jumpHost("stage")), "reconnected once");
    }
  }

  /** True while the long count runs on the database (seen directly, not through the tunnel). */
  private static boolean sleeping() throws Exception {
    var credentials = fixture.credentials().fetch("local/platform");
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", credentials.username());
    p.setProperty("password", credentials.password());
    try (var c = java.sql.DriverManager.getConnection(fixture.postgres.jdbcUrl("sshtest"), p);
        var s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%generate_series(1, 40000) b%'"
                    + " AND state = 'active' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  @Test
  void anIdleTunnelIsClosedAndOpenedAgainOnTheSamePort() throws Exception {
    EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
    try (TunnelPool pool = fixture.pool(env, settings().withIdle(Duration.ofMillis(400)))) {
      var remote =
          new dev.runbook.worker.sql.SqlTargets.Endpoint("127.0.0.1", fixture.postgres.port());
      int port = pool.open("stage", "platform", remote).port();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (pool.openTunnels() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0, pool.openTunnels(), "closed when idle");
      assertEquals(port, pool.open("stage", "platform", remote).port(), "same port again");
    }
  }
}
