package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalSecrets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dev}: Temporal and every environment's worker in this JVM, on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DevCommandTest {
  private static String environments() {
    return Cli.runbooks().resolve("environments").toString();
  }

  private static CliContext as(String user, int port) {
    return CliContext.of(Map.of("RUNBOOK_USER", user, "TEMPORAL_ADDRESS", "127.0.0.1:" + port));
  }

  /** The data directory `dev` printed. */
  private static Path dataDirectory(String out) {
    Matcher data = Pattern.compile("(?m)^  data in (\\S+) ").matcher(out);
    assertTrue(data.find(), out);
    return Path.of(data.group(1));
  }

  /** The banner with the ports, the data directory and PostgreSQL's version made constant. */
  private static String normalize(String banner, int port, int pgPort) {
    String text = Cli.normalize(banner, port);
    if (text.contains("  data in ")) {
      text = text.replace(dataDirectory(banner).toString(), "<data>");
    }
    return text.replace("127.0.0.1:" + pgPort, "127.0.0.1:<pg-port>")
        .replace("port=" + pgPort, "port=<pg-port>")
        .replaceAll("PostgreSQL 18\\.\\d+", "PostgreSQL 18.x");
  }

  private static Connection connect(int pgPort, String database, Path data) throws SQLException {
    Credentials credentials =
        LocalSecrets.read(data.resolve(LocalSecrets.FILE)).get("local/" + database);
    Properties properties = new Properties();
    properties.setProperty("user", credentials.username());
    properties.setProperty("password", credentials.password());
    properties.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + database, properties);
  }

  /** Process ids whose command line mentions {@code text} (pgrep -f), as one string. */
  static String pgrep(String text) throws IOException, InterruptedException {
    Process pgrep = new ProcessBuilder("pgrep", "-f", text).redirectErrorStream(true).start();
    assertTrue(pgrep.waitFor(10, TimeUnit.SECONDS), "pgrep hangs");
    return new String(pgrep.getInputStream().readAllBytes()).strip();
  }

  @Test
  void devListensOnLoopbackAcceptsARunThatASecondPersonApprovesAndStopsCleanly() throws Exception {
    int port = TemporalFixture.freePort();
    int pgPort = TemporalFixture.freePort();
    TemporalFixture.Background dev =
        TemporalFixture.Background.start(
            CliContext.of(Map.of()),
            "dev",
            "--port",
            String.valueOf(port),
            "--pg-port",
            String.valueOf(pgPort),
            "--environments",
            environments());
    try {
      String banner = dev.awaitOutput("ready; Ctrl-C stops it\n");
      Path data = dataDirectory(banner);
      assertEquals(
          """
          Temporal test server on 127.0.0.1:<port> (loopback only; in memory: runs are gone when it stops)
          namespace default, search attributes RunbookName, RunbookVersion, Environment, Launcher, Ticket, RunStatus, Approvers
          PostgreSQL 18.x on 127.0.0.1:<pg-port> plays local: databases platform, invoicing, owner runbook
            data in <data> (removed on stop)
            password (new at every start) in <data>/local-secrets.json (secretIds local/platform, local/invoicing) and <data>/pgpass
          audit store: database runbook_audit (schema v2); runbook audit --list reads it with
            RUNBOOK_AUDIT_DB_URL=jdbc:postgresql://127.0.0.1:<pg-port>/runbook_audit RUNBOOK_AUDIT_DB_USER=runbook RUNBOOK_AUDIT_DB_PASSWORD_FILE=<data>/audit-password
          worker polls runbook-control: the Runbook workflow (interpreter)
          worker polls runbook-local (local): steps aws.ec2.allow-ingress, aws.ec2.revoke-ingress, aws.ec2.start, aws.ec2.stop, aws.rds.delete, aws.rds.restore-pitr, aws.rds.snapshot, aws.secrets.get, exec, flyway.info, flyway.migrate, flyway.repair, flyway.validate, notify, prisma.revert, sql.backup, sql.change, sql.export, sql.query, sql.restore, sql.terminate-sessions, ssh.tunnel
          worker polls runbook-prod (prod): steps aws.ec2.allow-ingress, aws.ec2.revoke-ingress, aws.ec2.start, aws.ec2.stop, aws.rds.delete, aws.rds.restore-pitr, aws.rds.snapshot, aws.secrets.get, exec, flyway.info, flyway.migrate, flyway.repair, flyway.validate, notify, prisma.revert, sql.backup, sql.change, sql.export, sql.query, sql.restore, sql.terminate-sessions, ssh.tunnel
          worker polls runbook-stage (stage): steps aws.ec2.allow-ingress, aws.ec2.revoke-ingress, aws.ec2.start, aws.ec2.stop, aws.rds.delete, aws.rds.restore-pitr, aws.rds.snapshot, aws.secrets.get, exec, flyway.info, flyway.migrate, flyway.repair, flyway.validate, notify, prisma.revert, sql.backup, sql.change, sql.export, sql.query, sql.restore, sql.terminate-sessions, ssh.tunnel
          connect from another terminal, e.g.:
            RUNBOOK_USER=carol runbook run runbooks/demo.yaml --env local -p ticket=DEMO-1 --address 127.0.0.1:<port>
            RUNBOOK_USER=bob runbook approve <run id> --address 127.0.0.1:<port>
            PGPASSFILE=<data>/pgpass psql "host=127.0.0.1 port=<pg-port> dbname=platform user=runbook"
          ready; Ctrl-C stops it
          """,
          normalize(banner, port, pgPort));
      // the printed port takes the runbook role with the password from the secrets file
      for (String database : List.of("platform", "invoicing")) {
        try (Connection connection = connect(pgPort, database, data);
            ResultSet rows =
                connection.createStatement().executeQuery("SELECT current_database()")) {
          assertTrue(rows.next());
          assertEquals(database, rows.getString(1));
        }
      }
      String password =
          LocalSecrets.read(data.resolve(LocalSecrets.FILE)).get("local/platform").password();

      TemporalFixture.Background run =
          TemporalFixture.Background.start(as("carol", port), RunCommandTest.runDemo("DEMO-61"));
      run.awaitOutput("reject:");
      Cli.Result approved = Cli.run(as("bob", port), "approve", "demo-local-DEMO-61");
      Cli.Result ran = run.result();

      // the run is in the audit store, which `runbook audit` reaches with the printed variables
      Map<String, String> auditEnv = new java.util.LinkedHashMap<>();
      String variables =
          banner
              .lines()
              .filter(l -> l.startsWith("  RUNBOOK_AUDIT_DB_URL="))
              .findFirst()
              .orElseThrow();
      for (String pair : variables.strip().split(" ")) {
        auditEnv.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      }
      Cli.Result listed = Cli.run(CliContext.of(auditEnv), "audit", "--list");
      assertEquals(0, listed.exitCode(), listed.toString());
      assertTrue(
          listed
              .out()
              .contains("| demo-local-DEMO-61 | demo v1 | local | carol | DEMO-61 | COMPLETED |"),
          listed.out());

      // the SQL steps of local reach the embedded PostgreSQL at the port --pg-port moved it to
      Path runbook = Files.createTempFile("count", ".yaml");
      Files.writeString(
          runbook,
          """
          apiVersion: runbook/v1
          kind: Runbook
          metadata: { name: count, version: 1 }
          environments: [local]
          steps:
            - id: count
              uses: sql.query
              with: { database: platform, query: "SELECT current_database() AS db, 42 AS answer" }
          """);
      Cli.Result counted =
          Cli.run(
              as("carol", port),
              "run",
              runbook.toString(),
              "--env",
              "local",
              "--environments",
              environments());
      Files.delete(runbook);
      assertEquals(0, counted.exitCode(), counted.toString());
      assertTrue(
          counted.out().contains("local/count completed in ")
              && counted.out().contains(": 1 row from platform in a read-only transaction\n"),
          counted.out());
      Cli.Result stopped = dev.stop();

      assertEquals(
          new Cli.Result(0, "run demo-local-DEMO-61: approved: gate local/review is open\n", ""),
          approved);
      assertEquals(0, ran.exitCode(), ran.toString());
      assertTrue(ran.out().contains("run demo-local-DEMO-61 COMPLETED after "), ran.out());
      assertEquals(0, stopped.exitCode(), stopped.toString());
      assertTrue(
          stopped
              .out()
              .contains(
                  "worker: notify [local] demo-local-DEMO-61: DEMO-61: every step of"
                      + " demo-local-DEMO-61 passed\n"),
          stopped.out());
      assertTrue(stopped.out().endsWith("stopping\nstopped\n"), stopped.out());
      assertFalse(stopped.out().contains(password), "the password is printed");
      assertFalse(stopped.err().contains(password), "the password is printed");
      assertFalse(Files.exists(data), "the data directory outlived dev");
      assertEquals("", pgrep(data.toString()), "a postgres process outlived dev");
    } finally {
      dev.stop.trigger(); // also when an assertion failed: never leave it running
    }
  }

  @Test
  void ctrlCOrSigtermStopsTheDevServerCleanly(@TempDir Path dir) throws Exception {
    int port = TemporalFixture.freePort();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "dev",
            "--port",
            String.valueOf(port),
            "--pg-port",
            String.valueOf(TemporalFixture.freePort()),
            "--environments",
            environments()));
    Path out = dir.resolve("out.txt");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    try {
      // a new JVM that also starts PostgreSQL and migrates the audit store: twice the usual wait
      long deadline = System.nanoTime() + 2 * TemporalFixture.WAIT.toNanos();
      while (!Files.readString(out).contains("ready;") && System.nanoTime() < deadline) {
        assertTrue(process.isAlive(), () -> "dev exited early: " + Cli.read(out));
        Thread.sleep(50);
      }

      Path data = dataDirectory(Cli.read(out));
      assertFalse(pgrep(data.toString()).isEmpty(), "no postgres process runs");
      String password =
          LocalSecrets.read(data.resolve(LocalSecrets.FILE)).get("local/platform").password();

      process.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the same shutdown hook

      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM");
      assertEquals(143, process.exitValue(), Cli.read(out) + Cli.read(dir.resolve("err.txt")));
      assertTrue(Cli.read(out).endsWith("stopping\nstopped\n"), Cli.read(out));
      assertEquals("", Cli.read(dir.resolve("err.txt")));
      assertFalse(Cli.read(out).contains(password), "the password is printed");
      assertFalse(Files.exists(data), "the data directory outlived dev");
      assertEquals("", pgrep(data.toString()), "a postgres process outlived dev");
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void aTakenPostgresPortIsExit3NamingThePortAndTheFlags() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int pgPort = taken.getLocalPort();

      Cli.Result result =
          Cli.run(
              CliContext.of(Map.of()),
              "dev",
              "--port",
              String.valueOf(TemporalFixture.freePort()),
              "--pg-port",
              String.valueOf(pgPort),
              "--environments",
              environments());

      assertEquals(3, result.exitCode());
      assertEquals("", result.out());
      assertTrue(
          result.err().startsWith("runbook: cannot listen on 127.0.0.1:" + pgPort + " ("),
          result.err());
      assertTrue(
          result
              .err()
              .endsWith(
                  "); is another PostgreSQL running there? Pass --pg-port, or --no-postgres to"
                      + " use your own\n"),
          result.err());
      assertEquals(1, result.err().lines().count(), result.err());
    }
  }

  @Test
  void noPostgresStartsNone() {
    int port = TemporalFixture.freePort();
    TemporalFixture.Background dev =
        TemporalFixture.Background.start(
            CliContext.of(Map.of()),
            "dev",
            "--port",
            String.valueOf(port),
            "--no-postgres",
            "--environments",
            environments());
    try {
      String banner = dev.awaitOutput("ready; Ctrl-C stops it\n");

      assertTrue(
          banner.contains(
              "\nno PostgreSQL (--no-postgres): `local` uses the one on its databases' port\n"),
          banner);
      assertFalse(banner.contains("psql"), banner);
      Cli.Result stopped = dev.stop();
      assertEquals(0, stopped.exitCode(), stopped.toString());
    } finally {
      dev.stop.trigger();
    }
  }

  @Test
  void aTakenPortIsExit3AskingForAnotherOne() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Cli.Result result =
          Cli.run(
              CliContext.of(Map.of()),
              "dev",
              "--port",
              String.valueOf(port),
              "--environments",
              environments());

      assertEquals(3, result.exitCode());
      assertEquals("", result.out());
      assertTrue(
          result.err().startsWith("runbook: cannot listen on 127.0.0.1:" + port + " ("),
          result.err());
      assertTrue(
          result
              .err()
              .endsWith("is another `runbook dev` or Temporal server running? Pass --port\n"),
          result.err());
    }
  }
}
