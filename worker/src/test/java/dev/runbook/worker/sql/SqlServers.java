package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.function.Executable;

/**
 * The real servers the SQL tests run against, started once per test JVM on free loopback ports: the
 * embedded PostgreSQL of {@code runbook dev} ({@link LocalPostgres}, database {@code sqltest} as
 * {@code platform}) and a MariaDB ({@link MariaDbServer}, database {@code sqltest} as {@code
 * invoicing}), both of environment {@code local}, and one {@link JdbcSqlActivities} over both.
 * Every result and failure the helpers see is checked for the runbook user's passwords (canaries).
 */
final class SqlServers {
  static final String ENV = "local";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger RUNS = new AtomicInteger();

  /** One database under test. */
  record Db(String engine, String name, SqlTarget target, String user, String password, int port) {
    boolean postgres() {
      return engine.equals("postgresql");
    }

    Connection connect() throws SQLException {
      Properties p = new Properties();
      p.setProperty("user", user);
      p.setProperty("password", password);
      return DriverManager.getConnection(target.jdbcUrl(), p);
    }

    @Override
    public String toString() {
      return engine;
    }
  }

  private static LocalPostgres postgres;
  private static MariaDbServer mariadb;
  private static Db pg;
  private static Db maria;
  private static JdbcSqlActivities activities;
  private static Path exports;
  private static SqlTargets targets;
  private static ValidatedEnvironment environment;

  private SqlServers() {}

  private static RuntimeException failed;

  static synchronized void start() {
    if (activities != null) {
      return;
    }
    if (failed != null) {
      throw new IllegalStateException("the test databases did not start", failed);
    }
    try {
      startServers();
    } catch (RuntimeException e) {
      failed = e;
      throw e;
    }
  }

  private static void startServers() {
    try {
      postgres =
          LocalPostgres.start(
              new LocalPostgres.Options(
                  0,
                  List.of(new LocalDatabases.Database("platform", "sqltest", "local/platform")),
                  null));
      Credentials pgCredentials = LocalSecrets.read(postgres.secretsFile()).get("local/platform");
      String canary = "canary-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      mariadb =
          MariaDbServer.start(
              "root-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)));
      mariadb.createDatabase("sqltest", "runbook", canary);
      try (Connection root = mariadb.root("mysql");
          java.sql.Statement grant = root.createStatement()) {
        // what db-health-mysql asks of the engine's user: every session and InnoDB's transactions
        grant.execute("GRANT PROCESS ON *.* TO 'runbook'@'127.0.0.1'");
      }
      String env =
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: local }
          provider: local
          rehearsal: true
          taskQueue: runbook-local
          databases:
            platform:
              engine: postgresql
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/platform
              sensitiveColumns: [users.email]
            invoicing:
              engine: mariadb
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/invoicing
              sensitiveColumns: [users.email]
          teams:
            db-leads: [alice]
          approvals: { allowSelfApproval: true }
          """
              .formatted(postgres.port(), mariadb.port);
      environment = Fixtures.environment("local", env);
      LocalCredentialSource local = new LocalCredentialSource(postgres.secretsFile());
      CredentialSource credentials =
          secretId ->
              secretId.equals("local/invoicing")
                  ? new Credentials("runbook", canary)
                  : local.fetch(secretId);
      targets = SqlTargets.of(List.of(environment.spec()), Map.of(), Map.of(ENV, credentials));
      exports = Files.createTempDirectory("runbook-exports-");
      activities =
          new JdbcSqlActivities(targets, SqlSettings.defaults().withExportDirectory(exports));
      pg =
          new Db(
              "postgresql",
              "platform",
              targets.get(ENV, "platform"),
              pgCredentials.username(),
              pgCredentials.password(),
              postgres.port());
      maria =
          new Db(
              "mariadb",
              "invoicing",
              targets.get(ENV, "invoicing"),
              "runbook",
              canary,
              mariadb.port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Db> all() {
    start();
    return List.of(pg, maria);
  }

  static Db postgres() {
    start();
    return pg;
  }

  static Db mariadb() {
    start();
    return maria;
  }

  static JdbcSqlActivities activities() {
    start();
    return activities;
  }

  static SqlTargets targets() {
    start();
    return targets;
  }

  /** {@code local} as the steps see it: platform on PostgreSQL, invoicing on MariaDB. */
  static ValidatedEnvironment environment() {
    start();
    return environment;
  }

  static Path exports() {
    start();
    return exports;
  }

  /** A connection to the PostgreSQL test database as the cluster's superuser {@code postgres}. */
  static Connection postgresSuperuser() throws IOException, SQLException {
    start();
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", Files.readString(postgres.directory().resolve(".superuser")).strip());
    return DriverManager.getConnection(pg.target().jdbcUrl(), p);
  }

  static MariaDbServer mariadbServer() {
    start();
    return mariadb;
  }

  /** A new run id. */
  static String newRun() {
    return "run-" + RUNS.incrementAndGet();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StepRequest request(
      String run, String step, String uses, JsonNode with, String phase, JsonNode approved) {
    return new StepRequest(
        run,
        "test",
        ENV,
        step,
        uses,
        with,
        "plan-hash",
        "carol",
        run + "/" + ENV + "/" + step,
        phase,
        approved);
  }

  /** Checks that no password is in the result, then returns it. */
  static StepResult clean(StepResult result) {
    String text = result.outputs() + " " + result.summary();
    for (Db db : all()) {
      assertFalse(text.contains(db.password()), "a password is in a result: " + text);
    }
    return result;
  }

  /** The failure {@code action} raises, checked for passwords and its type. */
  static ApplicationFailure failure(String type, Executable action) {
    ApplicationFailure failure = assertThrows(ApplicationFailure.class, action);
    String text = failure.getOriginalMessage() + " " + failure;
    for (Db db : all()) {
      assertFalse(text.contains(db.password()), "a password is in a failure: " + text);
    }
    assertEquals(type, failure.getType(), failure.getOriginalMessage());
    return failure;
  }

  static void exec(Db db, String... statements) {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long count(Db db, String sql) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every row of {@code table} ordered by its first column, as text: a checksum of content. */
  static String content(Db db, String table) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
      StringBuilder out = new StringBuilder();
      ResultSetMetaData md = r.getMetaData();
      while (r.next()) {
        for (int i = 1; i <= md.getColumnCount(); i++) {
          out.append(md.getColumnLabel(i)).append('=').append(r.getString(i)).append('|');
        }
        out.append('\n');
      }
      return out.toString();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final AtomicInteger TABLES = new AtomicInteger();

  /**
   * A new table {@code t<n>} (id primary key, name, email, amount, status) with rows 1..5: statuses
   * open, open, paid, open, void.
   */
  static String table(Db db) {
    String t = "t" + TABLES.incrementAndGet();
    exec(
        db,
        "CREATE TABLE "
            + t
            + " (id integer PRIMARY KEY, name varchar(100), email varchar(200),"
            + " amount numeric(10,2), status varchar(20))",
        "INSERT INTO "
            + t
            + " VALUES (1, 'alice', 'a@example.com', 10.00, 'open'),"
            + " (2, 'bob', 'b@example.com', 20.50, 'open'), (3, 'O''Brien', 'o@example.com',"
            + " 30.00, 'paid'), (4, 'dave', NULL, 0.00, 'open'), (5, 'erin', 'e@example.com',"
            + " 5.25, 'void')");
    return t;
  }
}
