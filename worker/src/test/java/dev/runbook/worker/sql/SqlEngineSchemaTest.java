package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.count;
import static dev.runbook.worker.sql.SqlServers.exec;
import static dev.runbook.worker.sql.SqlServers.json;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.EnvironmentValidator;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.SqlServers.Db;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code engineSchema:} on a database of the environment file: the ledger, the backup records and
 * the backup tables go to that schema (MariaDB: database), on real PostgreSQL and MariaDB, and
 * {@code runbook backups} ({@link BackupTables}) finds and prunes them there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlEngineSchemaTest {
  private static final String SCHEMA = "rb_engine";
  private static SqlTargets targets;
  private static JdbcSqlActivities activities;

  static List<Db> databases() {
    return SqlServers.all();
  }

  /** The same two servers as {@link SqlServers}, with {@code engineSchema: rb_engine}. */
  private static synchronized JdbcSqlActivities sql() throws Exception {
    if (activities == null) {
      Db pg = SqlServers.postgres();
      Db maria = SqlServers.mariadb();
      SqlServers.mariadbServer().createDatabase(SCHEMA, maria.user(), maria.password());
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
              engineSchema: %s
            invoicing:
              engine: mariadb
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/invoicing
              engineSchema: %s
          """
              .formatted(pg.port(), SCHEMA, maria.port(), SCHEMA);
      CredentialSource credentials =
          secretId -> {
            Db db = secretId.equals("local/platform") ? pg : maria;
            return new Credentials(db.user(), db.password());
          };
      targets =
          SqlTargets.of(
              List.of(Fixtures.environment("local", env).spec()),
              Map.of(),
              Map.of(SqlServers.ENV, credentials));
      activities = new JdbcSqlActivities(targets, SqlSettings.defaults());
    }
    return activities;
  }

  @AfterAll
  static void close() {
    if (activities != null) {
      activities.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theLedgerAndTheBackupsGoToTheConfiguredSchemaAndBackupsFindThemThere(Db db)
      throws Exception {
    String t = SqlServers.table(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"statements\": ["
                + TextNode.valueOf("UPDATE " + t + " SET status = 'void' WHERE status = 'open'")
                + "], \"backup\": true, \"expectRows\": 3}");
    StepResult applied = clean(sql().change(request(run, "fix", "sql.change", with, "run", null)));
    String backup = applied.outputs().path("backupTable").asText();

    assertEquals(
        1,
        count(
            db,
            "SELECT count(*) FROM "
                + SCHEMA
                + ".runbook_change_ledger WHERE run_id = '"
                + run
                + "' AND backup_table = '"
                + backup
                + "'"));
    assertEquals(3, count(db, "SELECT count(*) FROM " + SCHEMA + "." + backup));
    assertEquals(
        0,
        count(
            db,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                + backup
                + "' AND table_schema <> '"
                + SCHEMA
                + "'"),
        "the backup table is only in the engine's schema");
    String defaultSchema = db.postgres() ? "current_schema()" : "DATABASE()";
    boolean defaultLedger =
        count(
                db,
                "SELECT count(*) FROM information_schema.tables WHERE table_name ="
                    + " 'runbook_change_ledger' AND table_schema = "
                    + defaultSchema)
            > 0;
    if (defaultLedger) {
      assertEquals(
          0,
          count(db, "SELECT count(*) FROM runbook_change_ledger WHERE run_id = '" + run + "'"),
          "nothing of this run in the default schema's ledger");
    }

    // sql.restore reads the record and the table from the engine's schema
    StepResult restored =
        clean(
            sql()
                .restore(
                    request(
                        run,
                        "fix",
                        "sql.restore",
                        json(
                            "{\"database\": \""
                                + db.name()
                                + "\", \"backup\": \""
                                + backup
                                + "\"}"),
                        "run",
                        null)));
    assertEquals(3, restored.outputs().path("updated").asInt());
    assertEquals(original, content(db, t));

    // runbook backups list|prune: the record and the table in the engine's schema
    try (BackupTables tables = new BackupTables(SqlSettings.defaults())) {
      SqlTarget target = targets.get(SqlServers.ENV, db.name());
      List<BackupTables.Backup> listed = tables.records(target);
      BackupTables.Backup mine =
          listed.stream().filter(b -> b.table().equals(backup)).findFirst().orElseThrow();
      assertTrue(mine.exists(), mine.toString());
      assertEquals(3, mine.rows());
      exec(
          db,
          "UPDATE "
              + SCHEMA
              + ".runbook_backups SET created_at = created_at - INTERVAL '2' DAY"
              + " WHERE backup_table = '"
              + backup
              + "'");
      assertFalse(tables.drop(target, backup, Duration.ofDays(3)), "not old enough");
      assertTrue(tables.drop(target, backup, Duration.ofDays(1)));
      assertEquals(
          0,
          count(
              db,
              "SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                  + backup
                  + "'"));
      assertEquals(
          0,
          count(
              db,
              "SELECT count(*) FROM "
                  + SCHEMA
                  + ".runbook_backups WHERE backup_table = '"
                  + backup
                  + "'"));
    }
  }

  @Test
  void anEngineSchemaThatIsNotAnIdentifierIsRefused() {
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
            port: 5432
            database: sqltest
            secretId: local/platform
            engineSchema: "ops; DROP SCHEMA public"
        """;
    List<Diagnostic> problems =
        EnvironmentValidator.validate(Fixtures.load("local.yaml", env), "local").diagnostics();
    assertEquals(1, problems.size(), problems.toString());
    String text = problems.get(0).format();
    assertTrue(text.startsWith("local.yaml:14:") && text.contains("engineSchema"), text);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new SqlTarget(
                    "local",
                    "platform",
                    SqlTarget.Engine.POSTGRESQL,
                    "127.0.0.1",
                    5432,
                    "sqltest",
                    "local/platform",
                    List.of(),
                    "ops; DROP SCHEMA public",
                    secretId -> null));
    assertEquals(
        "databases.platform.engineSchema of environment local: expected an identifier (letters,"
            + " digits, _; at most 63), got ops; DROP SCHEMA public",
        e.getMessage());
  }
}
