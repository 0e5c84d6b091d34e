package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.exec;
import static dev.runbook.worker.sql.SqlServers.failure;
import static dev.runbook.worker.sql.SqlServers.json;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backup checksums on real PostgreSQL and MariaDB: the {@code v2:} checksum the server computes
 * agrees with itself between backup and restore over many column types, does not depend on row
 * order, changes with any value (NULL, '' and 'NULL' apart), and backups recorded with the first
 * format ({@code sha256:}, computed in the worker) still restore.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlBackupChecksumTest {
  private static final AtomicInteger TABLES = new AtomicInteger();

  static List<Db> databases() {
    return SqlServers.all();
  }

  /** A table of many column types with rows 1..4, NULLs, '' and 'NULL' among them. */
  private static String wide(Db db) {
    String t = "wide" + TABLES.incrementAndGet();
    if (db.postgres()) {
      exec(
          db,
          "CREATE TABLE "
              + t
              + " (id integer PRIMARY KEY, t text, v varchar(20), c char(4), n numeric(10,3),"
              + " f double precision, ts timestamptz, d date, j json, jb jsonb, arr integer[],"
              + " b bytea, flag boolean, u uuid, i interval)",
          "INSERT INTO "
              + t
              + " VALUES (1, 'élan ☃', 'a,b', 'x', 1.5, 0.1, '2026-03-01 10:00:00+02',"
              + " '2026-03-01', '{\"a\": [1, 2]}', '{\"b\": null}', '{1,2,NULL}', '\\x00ff',"
              + " true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 2 hours'),"
              + " (2, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
              + " NULL, NULL),"
              + " (3, 'NULL', 'NULL', 'NULL', -0.001, -1e300, '1999-12-31 23:59:59.999999+00',"
              + " '1999-12-31', '[]', '[]', '{}', '\\x', false,"
              + " '00000000-0000-0000-0000-000000000000', '-1 second'),"
              + " (4, '', NULL, '', 0, 0, 'infinity', 'infinity', 'null', 'null', '{{1},{2}}',"
              + " '\\x27', NULL, NULL, '0')");
    } else {
      exec(
          db,
          "CREATE TABLE "
              + t
              + " (id integer PRIMARY KEY, t text, v varchar(20), c char(4), n decimal(10,3),"
              + " f double, ts timestamp(3) NULL DEFAULT NULL, dt datetime(6), d date, j longtext,"
              + " b blob, flag boolean, e enum('a','b'), bits bit(5),"
              + " l varchar(10) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4",
          "INSERT INTO "
              + t
              + " VALUES (1, 'élan ☃', 'a,b', 'x', 1.5, 0.1, '2026-03-01 10:00:00.123',"
              + " '2026-03-01 10:00:00.000001', '2026-03-01', '{\"a\": [1, 2]}', x'00ff', true,"
              + " 'a', b'10101', 'café'),"
              + " (2, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
              + " NULL, NULL),"
              + " (3, 'NULL', 'NULL', 'NULL', -0.001, -1e300, '1999-12-31 23:59:59.999',"
              + " '1000-01-01 00:00:00', '1999-12-31', '[]', x'', false, 'b', b'0', 'NULL'),"
              + " (4, '', NULL, '', 0, 0, NULL, NULL, NULL, 'null', x'27', NULL, NULL, NULL, '')");
    }
    return t;
  }

  private static StepResult backup(Db db, String run, String table) {
    return clean(
        SqlServers.activities()
            .backup(
                request(
                    run,
                    "keep",
                    "sql.backup",
                    json(
                        "{\"database\": \""
                            + db.name()
                            + "\", \"table\": \""
                            + table
                            + "\", \"where\": \"id > 0\"}"),
                    StepRequest.RUN,
                    null)));
  }

  private static StepResult restore(Db db, String run, String backup) {
    return clean(
        SqlServers.activities()
            .restore(
                request(
                    run,
                    "keep",
                    "sql.restore",
                    json("{\"database\": \"" + db.name() + "\", \"backup\": \"" + backup + "\"}"),
                    StepRequest.RUN,
                    null)));
  }

  /** The v2 checksum of {@code table} over its writable columns, in a UTC session. */
  private static Checksums.Sum serverChecksum(Db db, String table) throws SQLException {
    try (Connection c = db.connect()) {
      Dialect dialect = Dialect.of(db.target(), c);
      if (!db.postgres()) {
        try (Statement s = c.createStatement()) {
          s.execute("SET time_zone = '+00:00'");
        }
      }
      TableRef ref = TableRef.parse(table, dialect.foldsToLower());
      return Checksums.server(c, dialect, ref, dialect.writableColumns(c, ref));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theServerChecksumAgreesWithItselfAcrossBackupAndRestoreOverManyTypes(Db db)
      throws Exception {
    String t = wide(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    StepResult taken = backup(db, run, t);
    String checksum = taken.outputs().path("checksum").asText();
    String backup = taken.outputs().path("backupTable").asText();
    assertTrue(checksum.matches("v2:[0-9a-f]{64}"), checksum);
    assertEquals(4, taken.outputs().path("rowCount").asInt());
    assertEquals(checksum, serverChecksum(db, backup).checksum());

    exec(db, "UPDATE " + t + " SET t = 'changed', v = NULL WHERE id IN (1, 2)");
    exec(db, "DELETE FROM " + t + " WHERE id = 3");
    StepResult restored = restore(db, run, backup);
    assertEquals(4, restored.outputs().path("rowsRestored").asInt());
    assertEquals(original, content(db, t), "every type came back exactly");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theServerChecksumIgnoresRowOrderAndSeesEveryValue(Db db) throws Exception {
    String t = wide(db);
    String copy = t + "_copy";
    exec(
        db,
        "CREATE TABLE " + copy + " AS SELECT * FROM " + t + " WHERE 1 = 0",
        "INSERT INTO " + copy + " SELECT * FROM " + t + " ORDER BY id DESC");
    Checksums.Sum sum = serverChecksum(db, t);
    assertEquals(4, sum.rows());
    assertEquals(sum, serverChecksum(db, copy), "the same rows in another order");

    List<String> changes =
        List.of(
            "UPDATE " + copy + " SET t = '' WHERE id = 2", // NULL -> ''
            "UPDATE " + copy + " SET t = NULL WHERE id = 3", // 'NULL' -> NULL
            "UPDATE " + copy + " SET v = 'a', t = 'b,élan ☃' WHERE id = 1", // across a separator
            "UPDATE " + copy + " SET b = NULL WHERE id = 3", // '' bytes -> NULL
            "UPDATE " + copy + " SET n = n + 0.001 WHERE id = 1",
            "INSERT INTO " + copy + " (id) VALUES (5)",
            "DELETE FROM " + copy + " WHERE id = 4");
    for (String change : changes) {
      exec(db, "DELETE FROM " + copy, "INSERT INTO " + copy + " SELECT * FROM " + t, change);
      assertNotEquals(sum.checksum(), serverChecksum(db, copy).checksum(), change);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aBackupChangedAfterItWasTakenIsNotRestored(Db db) {
    String t = SqlServers.table(db);
    String run = SqlServers.newRun();
    String backup = backup(db, run, t).outputs().path("backupTable").asText();
    exec(db, "UPDATE " + t + " SET status = 'x'");
    String changed = content(db, t);
    exec(db, "UPDATE " + backup + " SET amount = amount + 0.01 WHERE id = 3");

    ApplicationFailure f = failure("STEP_FAILED", () -> restore(db, run, backup));
    assertEquals(
        "backup "
            + backup
            + " no longer matches its checksum (5 rows now, 5 rows when taken): it or its table's"
            + " columns changed; nothing was restored",
        f.getOriginalMessage());
    assertEquals(changed, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aBackupRecordedWithTheFirstChecksumFormatStillRestores(Db db) throws Exception {
    String t = SqlServers.table(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    String backup = "rb_bk_" + run.replace('-', '_') + "_old_0123abcd";
    // as the first version took it: a copy made with LIKE, checksummed by the worker
    try (Connection c = db.connect()) {
      Dialect dialect = Dialect.of(db.target(), c);
      Ledger ledger = new Ledger(dialect, null);
      ledger.ensure(c);
      TableRef source = TableRef.parse(t, dialect.foldsToLower());
      List<String> columns = dialect.writableColumns(c, source);
      try (Statement s = c.createStatement()) {
        s.execute(
            db.postgres()
                ? "CREATE TABLE " + backup + " (LIKE " + t + ")"
                : "CREATE TABLE " + backup + " LIKE " + t);
        s.execute("INSERT INTO " + backup + " SELECT * FROM " + t + " WHERE status = 'open'");
      }
      Checksums.Sum v1 = Checksums.table(c, backup, columns, dialect);
      assertTrue(v1.checksum().startsWith("sha256:"), v1.checksum());
      ledger.recordBackup(
          c,
          new Ledger.Backup(backup, t, List.of("id"), run, "keep", v1.rows(), v1.checksum()),
          SqlServers.ENV);
    }
    exec(db, "DELETE FROM " + t + " WHERE status = 'open'");

    StepResult restored = restore(db, run, backup);
    assertEquals(3, restored.outputs().path("inserted").asInt());
    assertEquals(original, content(db, t));

    exec(db, "DELETE FROM " + backup + " WHERE id = 1");
    ApplicationFailure f = failure("STEP_FAILED", () -> restore(db, run, backup));
    assertTrue(
        f.getOriginalMessage().contains("no longer matches its checksum (2 rows now, 3 rows when"),
        f.getOriginalMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aChangeBackupIsCheckedTheSameWayAtRestore(Db db) throws Exception {
    String t = wide(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"backup\": true, \"statements\": [\"UPDATE "
                + t
                + " SET t = 'x' WHERE id <= 2\", \"DELETE FROM "
                + t
                + " WHERE id >= 2\"]}");
    StepResult applied =
        clean(
            SqlServers.activities().change(request(run, "keep", "sql.change", with, "run", null)));
    String backup = applied.outputs().path("backupTable").asText();
    assertEquals(4, applied.outputs().path("backupRows").asInt());
    assertEquals(
        applied.outputs().path("backupChecksum").asText(), serverChecksum(db, backup).checksum());
    restore(db, run, backup);
    assertEquals(original, content(db, t));
  }
}
