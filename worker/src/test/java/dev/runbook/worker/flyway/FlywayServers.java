package dev.runbook.worker.flyway;

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
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.MariaDbServer;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;

/**
 * The real servers the migration tests run against, started once per test JVM on free loopback
 * ports: the embedded PostgreSQL ({@link LocalPostgres}) with databases {@code platform}, {@code
 * pg_a} ... and a MariaDB ({@link MariaDbServer}) with {@code invoicing}, {@code my_a} ..., all of
 * an environment {@code local} where a launcher cannot approve (four eyes); a temporary migrations
 * root; one {@link FlywayMigrations} over all of it. Every result, failure and Flyway log line the
 * helpers see is checked for the passwords (canaries).
 */
final class FlywayServers {
  static final String ENV = "local";
  static final List<String> PG = List.of("platform", "pg_a", "pg_b", "pg_c", "pg_d");
  static final List<String> MARIA = List.of("invoicing", "my_a", "my_b", "my_c", "my_d");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One database under test. */
  record Db(String name, SqlTarget target, String user, String password) {
    boolean postgres() {
      return !target.engine().mysqlFamily();
    }

    Connection connect() throws SQLException {
      Properties p = new Properties();
      p.setProperty("user", user);
      p.setProperty("password", password);
      return DriverManager.getConnection(target.jdbcUrl(), p);
    }

    @Override
    public String toString() {
      return name + " (" + target.engine() + ")";
    }
  }

  private static LocalPostgres postgres;
  private static MariaDbServer mariadb;
  private static SqlTargets targets;
  private static ValidatedEnvironment environment;
  private static Path root;
  private static FlywayMigrations activities;
  private static final Map<String, Db> DBS = new java.util.LinkedHashMap<>();
  private static final List<String> LOG = new CopyOnWriteArrayList<>();
  private static RuntimeException failed;

  private FlywayServers() {}

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
      List<LocalDatabases.Database> pgDatabases = new ArrayList<>();
      for (String name : PG) {
        pgDatabases.add(new LocalDatabases.Database(name, "fw_" + name, "local/" + name));
      }
      postgres = LocalPostgres.start(new LocalPostgres.Options(0, pgDatabases, null));
      String canary = "canary-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      mariadb =
          MariaDbServer.start(
              "root-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)));
      StringBuilder databases = new StringBuilder();
      for (String name : PG) {
        databases.append(
            """
              %s:
                engine: postgresql
                endpoint: 127.0.0.1
                port: %d
                database: fw_%s
                secretId: local/%s
            """
                .formatted(name, postgres.port(), name, name));
      }
      for (String name : MARIA) {
        mariadb.createDatabase("fw_" + name, "runbook", canary);
        databases.append(
            """
              %s:
                engine: mariadb
                endpoint: 127.0.0.1
                port: %d
                database: fw_%s
                secretId: local/%s
            """
                .formatted(name, mariadb.port(), name, name));
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
          %s
          teams:
            db-leads: [alice, bob, carol]
            db-team: [alice, bob, carol]
          approvals: { allowSelfApproval: false }
          """
              .formatted(databases.toString().stripTrailing());
      LocalCredentialSource local = new LocalCredentialSource(postgres.secretsFile());
      CredentialSource credentials =
          secretId ->
              MARIA.contains(secretId.substring("local/".length()))
                  ? new Credentials("runbook", canary)
                  : local.fetch(secretId);
      environment = Fixtures.environment("local", env);
      targets = SqlTargets.of(List.of(environment.spec()), Map.of(), Map.of(ENV, credentials));
      root = Files.createTempDirectory("runbook-migrations-");
      activities =
          new FlywayMigrations(targets, FlywaySettings.defaults().withMigrationsRoot(root));
      Map<String, Credentials> pgSecrets = LocalSecrets.read(postgres.secretsFile());
      for (String name : PG) {
        Credentials c = pgSecrets.get("local/" + name);
        DBS.put(name, new Db(name, targets.get(ENV, name), c.username(), c.password()));
      }
      for (String name : MARIA) {
        DBS.put(name, new Db(name, targets.get(ENV, name), "runbook", canary));
      }
      Consumer<String> log = LOG::add;
      FlywayLog.listen(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static Db db(String name) {
    start();
    return DBS.get(name);
  }

  static FlywayMigrations activities() {
    start();
    return activities;
  }

  static SqlTargets targets() {
    start();
    return targets;
  }

  /** The environment {@code local} of these servers (no self-approval). */
  static ValidatedEnvironment environment() {
    start();
    return environment;
  }

  static Path root() {
    start();
    return root;
  }

  /** Every line Flyway logged so far (through {@link FlywayLog}). */
  static List<String> flywayLog() {
    return List.copyOf(LOG);
  }

  static List<String> passwords() {
    start();
    return DBS.values().stream().map(Db::password).distinct().toList();
  }

  /** Writes a migration file {@code <root>/<folder>/<name>}. */
  static void migration(String folder, String name, String sql) {
    try {
      Path dir = root().resolve(folder);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), sql);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StepRequest request(String step, String uses, JsonNode with) {
    return new StepRequest(
        "run-" + step, "test", ENV, step, uses, with, "plan-hash", "carol", "run/" + step);
  }

  /** Checks that no password is in the result or Flyway's log, then returns it. */
  static StepResult clean(StepResult result) {
    assertNoSecret(result.outputs() + " " + result.summary(), "a result");
    assertNoSecret(String.join("\n", flywayLog()), "Flyway's log");
    return result;
  }

  /** The failure {@code action} raises, checked for passwords and its type. */
  static ApplicationFailure failure(String type, Executable action) {
    ApplicationFailure failure = assertThrows(ApplicationFailure.class, action);
    assertNoSecret(failure.getOriginalMessage() + " " + failure, "a failure");
    assertNoSecret(String.join("\n", flywayLog()), "Flyway's log");
    assertEquals(type, failure.getType(), failure.getOriginalMessage());
    return failure;
  }

  static void assertNoSecret(String text, String where) {
    for (String password : passwords()) {
      assertFalse(text.contains(password), "a password is in " + where + ": " + text);
    }
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

  /** Whether {@code table} has {@code column} in the database's current schema. */
  static boolean hasColumn(Db db, String table, String column) {
    String schema = db.postgres() ? "current_schema()" : "DATABASE()";
    return count(
            db,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                + schema
                + " AND table_name = '"
                + table
                + "' AND column_name = '"
                + column
                + "'")
        > 0;
  }
}
