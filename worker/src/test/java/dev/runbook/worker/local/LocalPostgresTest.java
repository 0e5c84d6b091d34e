package dev.runbook.worker.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real PostgreSQL on loopback: databases, the role, the secrets files, a clean stop. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalPostgresTest {
  static final Path ENVIRONMENTS = runbooks().resolve("environments");

  /** The repository's runbooks directory (tests run in the module directory). */
  static Path runbooks() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("runbooks"))
        ? here.resolve("runbooks")
        : here.getParent().resolve("runbooks");
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PIDs of processes whose command line mentions {@code text} (pgrep -f). */
  static String pgrep(String text) throws IOException, InterruptedException {
    Process pgrep = new ProcessBuilder("pgrep", "-f", text).redirectErrorStream(true).start();
    assertTrue(pgrep.waitFor(10, TimeUnit.SECONDS), "pgrep hangs");
    return new String(pgrep.getInputStream().readAllBytes()).strip();
  }

  private static Connection connect(int port, String database, String user, String password)
      throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  @Test
  void theLocalEnvironmentNamesItsDatabasesSecretIdsAndPort() {
    LocalDatabases local = LocalDatabases.of(ENVIRONMENTS, "local");

    assertEquals(5432, local.port());
    assertEquals(
        List.of(
            new LocalDatabases.Database("platform", "platform", "local/platform"),
            new LocalDatabases.Database("invoicing", "invoicing", "local/invoicing")),
        local.databases());
  }

  @Test
  void startsCreatesTheDatabasesOwnedByRunbookWritesPrivateSecretsAndStopsWithoutATrace()
      throws Exception {
    int port = freePort();
    List<LocalDatabases.Database> databases = LocalDatabases.of(ENVIRONMENTS, "local").databases();
    LocalPostgres postgres = LocalPostgres.start(new LocalPostgres.Options(port, databases, null));
    Path directory = postgres.directory();
    try {
      assertEquals(port, postgres.port());
      assertTrue(postgres.version().startsWith("18."), postgres.version());
      assertTrue(postgres.temporary());
      assertFalse(pgrep(directory.toString()).isEmpty(), "no postgres process found");

      // the secrets file: 0600, one entry per secretId, the runbook role and nothing else
      Map<String, Credentials> secrets = LocalSecrets.read(postgres.secretsFile());
      assertEquals(List.of("local/platform", "local/invoicing"), List.copyOf(secrets.keySet()));
      String password = secrets.get("local/platform").password();
      assertEquals(new Credentials("runbook", password), secrets.get("local/invoicing"));
      assertTrue(password.length() >= 32, "a weak password");
      assertEquals("rw-------", permissions(postgres.secretsFile()));
      assertEquals("rw-------", permissions(postgres.pgpassFile()));
      assertEquals("rwx------", permissions(directory));
      assertFalse(secrets.toString().contains(password), "toString shows the password");
      String superuser = Files.readString(directory.resolve(".superuser")).strip();
      assertFalse(Files.readString(postgres.secretsFile()).contains(superuser));
      assertEquals(
          "127.0.0.1:"
              + port
              + ":platform:runbook:"
              + password
              + "\n127.0.0.1:"
              + port
              + ":invoicing:runbook:"
              + password
              + "\n",
          Files.readString(postgres.pgpassFile()));
      assertEquals(
          "PGPASSFILE="
              + directory.resolve("pgpass")
              + " psql \"host=127.0.0.1 port="
              + port
              + " dbname=platform user=runbook\"",
          postgres.psql("platform"));

      // each database exists, runbook owns it and can create tables in it
      for (String database : List.of("platform", "invoicing")) {
        try (Connection connection = connect(port, database, "runbook", password);
            Statement statement = connection.createStatement()) {
          statement.execute("CREATE TABLE invoices (id int PRIMARY KEY, status text)");
          statement.execute("INSERT INTO invoices VALUES (42, 'open')");
          try (ResultSet rows =
              statement.executeQuery(
                  "SELECT current_database(), pg_get_userbyid(datdba), current_user"
                      + " FROM pg_database WHERE datname = current_database()")) {
            assertTrue(rows.next());
            assertEquals(database, rows.getString(1));
            assertEquals("runbook", rows.getString(2));
            assertEquals("runbook", rows.getString(3));
          }
        }
      }
      // a password is required: a wrong one is refused, and runbook is no superuser
      SQLException refused =
          assertThrows(SQLException.class, () -> connect(port, "platform", "runbook", "wrong"));
      assertTrue(
          refused.getMessage().contains("password authentication failed"), refused::toString);
      try (Connection connection = connect(port, "platform", "runbook", password);
          ResultSet rows =
              connection
                  .createStatement()
                  .executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = 'runbook'")) {
        assertTrue(rows.next());
        assertFalse(rows.getBoolean(1));
      }
      // the server's log has no password either (it is sent as a SCRAM verifier only)
      String log = Files.readString(directory.resolve("postgres.log"));
      assertFalse(log.contains(password), "the password is in postgres.log");
      assertFalse(log.contains(superuser), "the superuser's password is in postgres.log");
    } finally {
      postgres.close();
    }
    assertFalse(Files.exists(directory), "the temporary directory is left behind");
    assertEquals("", pgrep(directory.toString()), "a postgres process outlived close()");
    postgres.close(); // twice is fine
  }

  @Test
  void aKeptDirectoryKeepsTheDataAndChangesThePasswordAtEveryStart(@TempDir Path dir)
      throws Exception {
    Path kept = dir.resolve("pg");
    List<LocalDatabases.Database> databases =
        List.of(new LocalDatabases.Database("platform", "platform", "local/platform"));
    String first;
    try (LocalPostgres postgres =
        LocalPostgres.start(new LocalPostgres.Options(freePort(), databases, kept))) {
      first = LocalSecrets.read(postgres.secretsFile()).get("local/platform").password();
      try (Connection connection = connect(postgres.port(), "platform", "runbook", first)) {
        connection.createStatement().execute("CREATE TABLE kept (id int)");
      }
    }
    assertTrue(Files.isDirectory(kept.resolve("pgdata")));
    assertEquals("", pgrep(kept.toString()));

    try (LocalPostgres postgres =
        LocalPostgres.start(new LocalPostgres.Options(freePort(), databases, kept))) {
      String second = LocalSecrets.read(postgres.secretsFile()).get("local/platform").password();
      assertNotEquals(first, second);
      assertThrows(
          SQLException.class, () -> connect(postgres.port(), "platform", "runbook", first));
      try (Connection connection = connect(postgres.port(), "platform", "runbook", second);
          ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM kept")) {
        assertTrue(rows.next());
      }
    }
    assertTrue(Files.isDirectory(kept.resolve("pgdata")));
    assertEquals("", pgrep(kept.toString()));
  }

  @Test
  void aTakenPortFailsAtOnceNamingIt() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      LocalPostgresException e =
          assertThrows(
              LocalPostgresException.class,
              () -> LocalPostgres.start(new LocalPostgres.Options(port, List.of(), null)));

      assertTrue(e.portTaken());
      assertTrue(
          e.getMessage().startsWith("cannot listen on 127.0.0.1:" + port + " ("), e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
    }
  }

  private static String permissions(Path path) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path));
  }
}
