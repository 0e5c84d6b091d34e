package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.sql.MariaDbServer;
import dev.runbook.worker.ssh.SshFixture;
import dev.runbook.worker.ssh.SshTunnelActivities;
import dev.runbook.worker.ssh.TunnelPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code runbook tunnel} to a real MariaDB behind the embedded SSH jump host (MINA SSHD): the
 * printed MySQL Workbench and mysql hints, the password only with {@code --show-password} and never
 * in the run's history, and JDBC and the {@code mariadb} client through the engineer's forward.
 */
class TunnelMariaDbTest {
  private static final String USER = "invoicing_access";
  private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
  private static SshFixture ssh;
  private static MariaDbServer mariadb;
  private static Path dir;
  private static TemporalFixture temporal;
  private static TunnelPool workerTunnels;
  private static int localPort;

  @BeforeAll
  static void start() throws Exception {
    ssh = SshFixture.start();
    mariadb = MariaDbServer.start("root-" + Long.toHexString(System.nanoTime()));
    mariadb.createDatabase("invoicing", USER, PASSWORD);
    dir = Files.createTempDirectory("runbook-tunnel-mariadb-");
    Files.createDirectories(dir.resolve("environments"));
    Path secrets = dir.resolve("environments/secrets.json");
    Files.createFile(
        secrets,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        secrets,
        "{\"stage/invoicing/engineers\": {\"username\": \""
            + USER
            + "\", \"password\": \""
            + PASSWORD
            + "\"}}");
    localPort = TemporalFixture.freePort();
    String env =
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
        %s
        access: { heartbeatTimeout: 3s, maxTtl: 2h }
        databases:
          invoicing:
            engine: mariadb
            endpoint: 127.0.0.1
            port: %d
            database: invoicing
            secretId: stage/invoicing/runbook
            accessSecretId: stage/invoicing/engineers
            via: jump-box
            localPort: %d
        teams:
          db-leads: [alice, bob]
        secrets: { provider: local, file: secrets.json }
        """
            .formatted(
                ssh.jump.port(), ssh.pinned().indent(2).stripTrailing(), mariadb.port(), localPort);
    Files.writeString(dir.resolve("environments/stage.yaml"), env);
    Files.writeString(
        dir.resolve("db-access.yaml"),
        Files.readString(Cli.runbooks().resolve("db-access.yaml"))
            .replace("enum: [platform, invoicing]", "enum: [invoicing]"));
    EnvironmentSpec spec = ssh.spec(env);
    workerTunnels =
        new TunnelPool(
            TunnelPool.jumpHosts(List.of(spec)),
            (e, id) -> fail("no passphrase here"),
            TunnelPool.Settings.defaults());
    temporal =
        TemporalFixture.startWith(
            List.of(
                new TunnelCommandTest.JumpBox(),
                new SshTunnelActivities(
                    workerTunnels, SshTunnelActivities.databases(List.of(spec)))));
  }

  @AfterAll
  static void stop() {
    temporal.close();
    workerTunnels.close();
    ssh.close();
    mariadb.close();
  }

  private RunView awaitEnd(String runId) {
    long deadline = System.nanoTime() + TemporalFixture.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      RunView view = temporal.view(runId);
      if (view.status().isFinal()) {
        return view;
      }
      TemporalFixture.sleep(Duration.ofMillis(100));
    }
    return fail("run " + runId + " did not end");
  }

  private static String mariadbClient(int port, String sql) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            "mariadb",
            "--no-defaults",
            "-h",
            "127.0.0.1",
            "-P",
            String.valueOf(port),
            "-u",
            USER,
            "-N",
            "-B",
            "-e",
            sql,
            "invoicing");
    builder.environment().put("MYSQL_PWD", PASSWORD); // the test's own copy, off the command line
    builder.redirectErrorStream(true);
    Process p = builder.start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "mariadb did not end");
    String output = new String(p.getInputStream().readAllBytes()).trim();
    assertEquals(0, p.exitValue(), output);
    return output;
  }

  @Test
  void theTunnelCarriesMariaDbTrafficAndPrintsWorkbenchHintsWithThePasswordOnlyWhenAsked()
      throws Exception {
    TemporalFixture.Background run =
        temporal.start(
            "dave",
            "tunnel",
            "stage",
            "invoicing",
            "--show-password",
            "--runbook",
            dir.resolve("db-access.yaml").toString(),
            "--environments",
            dir.resolve("environments").toString());
    String out = run.awaitOutput("Ctrl-C ends it");
    String runId = "db-access-stage-invoicing-dave";
    Matcher m = Pattern.compile("tunnel 127\\.0\\.0\\.1:(\\d+) -> 127\\.0\\.0\\.1:").matcher(out);
    assertTrue(m.find(), out);
    int port = Integer.parseInt(m.group(1));
    assertEquals(localPort, port, "the database's localPort");
    assertTrue(
        out.contains(
            "\n  MySQL Workbench: host 127.0.0.1, port "
                + port
                + ", user "
                + USER
                + ", default schema invoicing\n"),
        out);
    assertTrue(
        out.contains("\n  mysql -h 127.0.0.1 -P " + port + " -u " + USER + " -p invoicing\n"), out);
    assertTrue(out.contains("\n  password: " + PASSWORD + "\n"), out);
    assertFalse(out.contains("psql"), "no PostgreSQL hints for MariaDB: " + out);

    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("password", PASSWORD);
    try (Connection c =
            DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/invoicing", props);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(100))");
      s.execute(
          "INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000"); // MariaDB's SEQUENCE
      try (ResultSet rs = s.executeQuery("SELECT DATABASE(), COUNT(*), SUM(id) FROM t")) {
        assertTrue(rs.next());
        assertEquals("invoicing", rs.getString(1));
        assertEquals(5000, rs.getInt(2));
        assertEquals(12502500L, rs.getLong(3));
      }
    }
    assertEquals("5000", mariadbClient(port, "SELECT COUNT(*) FROM t"));

    String history = temporal.connection().client().fetchHistory(runId).toString();
    assertFalse(history.contains(PASSWORD), "the password is not in the run's history");

    Cli.Result stopped = run.stop();
    assertEquals(0, stopped.exitCode(), stopped.err());
    assertEquals(RunStatus.COMPLETED, awaitEnd(runId).status());
  }
}
