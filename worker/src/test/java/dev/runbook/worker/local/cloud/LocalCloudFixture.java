package dev.runbook.worker.local.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.flyway.FlywaySettings;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.function.Executable;

/**
 * The embedded PostgreSQL playing the real {@code runbooks/environments/local.yaml} (databases
 * {@code platform} and {@code invoicing} at its port), and the step implementations {@link
 * CloudSteps} gives {@code local}: notify, the SQL and Flyway steps (migrations under {@link
 * #migrations}) and the local cloud provider. Started once per test JVM.
 */
final class LocalCloudFixture {
  static final Path ENVIRONMENTS = Path.of("..", "runbooks", "environments");
  static final String ENV = "local";
  private static final ObjectMapper JSON = new ObjectMapper();

  static LocalPostgres postgres;
  static List<Object> steps;
  static Path exports;
  static Path migrations;
  static final List<String> notifications = new CopyOnWriteArrayList<>();
  private static Credentials login;

  private LocalCloudFixture() {}

  static synchronized void start() {
    if (postgres != null) {
      return;
    }
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(ENVIRONMENTS, problems);
    assertEquals(List.of(), problems);
    EnvironmentSpec local = envs.get(ENV).spec();
    postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(0, LocalDatabases.of(local).databases(), null));
    login = LocalSecrets.read(postgres.secretsFile()).get("local/platform");
    Map<String, SqlTargets.Endpoint> overrides = new LinkedHashMap<>();
    for (String name : local.databases().keySet()) {
      overrides.put(ENV + "/" + name, new SqlTargets.Endpoint("127.0.0.1", postgres.port()));
    }
    try {
      exports = Files.createTempDirectory("runbook-cloud-exports-");
      migrations = Files.createTempDirectory("runbook-cloud-migrations-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SqlTargets targets =
        SqlTargets.fromDirectory(
            ENVIRONMENTS, overrides, new LocalCredentialSource(postgres.secretsFile()));
    steps =
        CloudSteps.of(
                notifications::add,
                List.of(local),
                targets,
                SqlSettings.defaults().withExportDirectory(exports),
                FlywaySettings.defaults().withMigrationsRoot(migrations))
            .get(ENV);
  }

  static <T> T step(Class<T> type) {
    start();
    return steps.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
  }

  static LocalRdsActivities rds() {
    return step(LocalRdsActivities.class);
  }

  static JdbcSqlActivities sql() {
    return step(JdbcSqlActivities.class);
  }

  static String password() {
    start();
    return login.password();
  }

  static StepRequest request(String run, String step, String uses, String with) {
    return new StepRequest(
        run,
        "test",
        ENV,
        step,
        uses,
        json(with),
        "plan-hash",
        "carol",
        run + "/" + ENV + "/" + step);
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result, checked for the password. */
  static StepResult clean(StepResult result) {
    assertFalse(
        (result.outputs() + " " + result.summary()).contains(password()), "password in a result");
    return result;
  }

  /** The failure {@code action} raises, of {@code type}, checked for the password. */
  static ApplicationFailure failure(String type, Executable action) {
    ApplicationFailure failure = assertThrows(ApplicationFailure.class, action);
    assertFalse(failure.getOriginalMessage().contains(password()), "password in a failure");
    assertEquals(type, failure.getType(), failure.getOriginalMessage());
    return failure;
  }

  static Connection connect(String database) throws SQLException {
    start();
    Properties p = new Properties();
    p.setProperty("user", login.username());
    p.setProperty("password", login.password());
    return DriverManager.getConnection(postgres.jdbcUrl(database), p);
  }

  static void exec(String database, String... statements) {
    try (Connection c = connect(database);
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of {@code query} on {@code database}, as text. */
  static String scalar(String database, String query) {
    try (Connection c = connect(database);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      return r.next() ? r.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean exists(String database) {
    try (Connection c = connect("postgres");
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT count(*) FROM pg_database WHERE datname = '"
                    + database.replace("'", "''")
                    + "'")) {
      r.next();
      return r.getInt(1) == 1;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** sha256 over every row of {@code table} ordered by its first column. */
  static String checksum(String database, String table) {
    try (Connection c = connect(database);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      ResultSetMetaData md = r.getMetaData();
      int rows = 0;
      while (r.next()) {
        rows++;
        for (int i = 1; i <= md.getColumnCount(); i++) {
          digest.update((md.getColumnLabel(i) + "=" + r.getString(i) + "|").getBytes());
        }
        digest.update((byte) '\n');
      }
      return rows + ":" + HexFormat.of().formatHex(digest.digest());
    } catch (SQLException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The registry's row for {@code id}: {@code kind status run_id database_name}. */
  static String registry(String kind, String id) {
    try (Connection c = connect(CloudRegistry.DATABASE);
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT kind, status, run_id, database_name FROM "
                    + CloudRegistry.TABLE
                    + " WHERE kind = '"
                    + kind
                    + "' AND id = '"
                    + id
                    + "'")) {
      return r.next()
          ? r.getString(1) + " " + r.getString(2) + " " + r.getString(3) + " " + r.getString(4)
          : "none";
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
