package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.count;
import static dev.runbook.worker.sql.SqlServers.exec;
import static dev.runbook.worker.sql.SqlServers.failure;
import static dev.runbook.worker.sql.SqlServers.json;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** sql.change on real PostgreSQL and MariaDB: preview, apply, checks, ledger, backup, restore. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlChangeTest {

  static List<Db> databases() {
    return SqlServers.all();
  }

  private static JdbcSqlActivities sql() {
    return SqlServers.activities();
  }

  private static JsonNode change(Db db, String extra, String... statements) {
    StringBuilder list = new StringBuilder();
    for (String s : statements) {
      list.append(list.isEmpty() ? "" : ",");
      list.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString());
    }
    return json(
        "{\"database\": \""
            + db.name()
            + "\", \"statements\": ["
            + list
            + "]"
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }

  private static StepResult run(String run, String phase, JsonNode with, JsonNode approved) {
    return clean(sql().change(request(run, "fix", "sql.change", with, phase, approved)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aPreviewShowsExactlyTheAffectedRowsAndLeavesTheTableAsItWas(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    JsonNode with =
        change(
            db,
            "\"bind\": {\"status\": \"open\", \"limit\": 15}",
            "UPDATE " + t + " SET status = 'closed' WHERE status = :status AND amount > :limit");

    StepResult preview = run(SqlServers.newRun(), StepRequest.PREVIEW, with, null);

    JsonNode out = preview.outputs();
    assertEquals(1, out.path("previewRows").asInt()); // bob: open, 20.50
    assertEquals(1, out.path("diff").size());
    JsonNode row = out.path("diff").path(0);
    assertEquals(2, row.path("key").path("id").asInt());
    assertEquals("open", row.path("before").path("status").asText());
    assertEquals("closed", row.path("after").path("status").asText());
    assertTrue(out.path("previewHash").asText().startsWith("sha256:"));
    assertTrue(out.path("imagesComplete").asBoolean());
    assertEquals("id", out.path("primaryKeys").path(t).path(0).asText());
    assertEquals(before, content(db, t), "a preview changes nothing");
    assertTrue(preview.summary().contains("1 row would change"), preview.summary());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anApplyAfterItsPreviewChangesWhatThePreviewShowed(Db db) {
    String t = SqlServers.table(db);
    String run = SqlServers.newRun();
    JsonNode with =
        change(
            db,
            "\"bind\": {\"s\": \"open\"}, \"expectRows\": 3, \"verify\": {\"query\": \"SELECT id FROM "
                + t
                + " WHERE status = :s\"}",
            "UPDATE " + t + " SET status = 'closed' WHERE status = :s");
    StepResult preview = run(run, StepRequest.PREVIEW, with, null);
    assertEquals(3, preview.outputs().path("previewRows").asInt());

    StepResult apply = run(run, StepRequest.APPLY, with, preview.outputs());

    assertEquals(3, apply.outputs().path("rowsAffected").asInt());
    assertEquals(3, apply.outputs().path("previewRows").asInt());
    assertEquals(
        preview.outputs().path("previewHash").asText(),
        apply.outputs().path("applyHash").asText(),
        "the apply changed exactly the previewed rows the same way");
    assertTrue(apply.outputs().path("verified").asBoolean());
    assertEquals(3, count(db, "SELECT count(*) FROM " + t + " WHERE status = 'closed'"));
    assertEquals(
        1,
        count(
            db,
            "SELECT count(*) FROM runbook_change_ledger WHERE idempotency_key = '"
                + run
                + "/local/fix' AND rows_affected = 3"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anApplyWhoseRowsChangedSinceThePreviewIsRefusedAndAppliesNothing(Db db) {
    String t = SqlServers.table(db);
    String run = SqlServers.newRun();
    JsonNode with =
        change(db, "", "UPDATE " + t + " SET amount = amount + 1 WHERE status = 'open'");
    JsonNode preview = run(run, StepRequest.PREVIEW, with, null).outputs();

    // same rows, other content: the before-image hash tells
    exec(db, "UPDATE " + t + " SET name = 'ALICE' WHERE id = 1");
    String changed = content(db, t);
    ApplicationFailure content =
        failure("ROW_COUNT_MISMATCH", () -> run(run, StepRequest.APPLY, with, preview));
    assertTrue(
        content.getOriginalMessage().startsWith("the rows changed since the preview: the same 3"),
        content.getOriginalMessage());
    assertEquals(changed, content(db, t));

    // another row now matches: the count tells
    exec(db, "UPDATE " + t + " SET status = 'open' WHERE id = 5");
    String more = content(db, t);
    ApplicationFailure count =
        failure("ROW_COUNT_MISMATCH", () -> run(run, StepRequest.APPLY, with, preview));
    assertTrue(
        count.getOriginalMessage().contains("the approved preview changed 3 rows, the apply 4"),
        count.getOriginalMessage());
    assertEquals(more, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void expectRowsMismatchRollsBack(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    JsonNode exact =
        change(db, "\"expectRows\": 2", "UPDATE " + t + " SET status = 'x' WHERE status = 'open'");
    String run = SqlServers.newRun();
    ApplicationFailure f =
        failure("ROW_COUNT_MISMATCH", () -> run(run, StepRequest.RUN, exact, null));
    assertEquals(
        "expectRows: the statements changed 3 rows, expected exactly 2; rolled back, nothing was"
            + " applied",
        f.getOriginalMessage());
    JsonNode range =
        change(
            db,
            "\"expectRows\": {\"min\": 4, \"max\": 10}",
            "DELETE FROM " + t + " WHERE status = 'open'");
    ApplicationFailure r =
        failure("ROW_COUNT_MISMATCH", () -> run(SqlServers.newRun(), StepRequest.RUN, range, null));
    assertTrue(
        r.getOriginalMessage().contains("expected between 4 and 10"), r.getOriginalMessage());
    ApplicationFailure p =
        failure(
            "ROW_COUNT_MISMATCH", () -> run(SqlServers.newRun(), StepRequest.PREVIEW, range, null));
    assertTrue(p.getOriginalMessage().contains("preview"), p.getOriginalMessage());
    assertEquals(before, content(db, t));
    assertEquals(
        0,
        count(db, "SELECT count(*) FROM runbook_change_ledger WHERE run_id = '" + run + "'"),
        "the ledger row rolled back with the change");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aFailedVerifyRollsBackAndSaysWhatItFound(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    JsonNode with =
        change(
            db,
            "\"verify\": \"SELECT id FROM " + t + " WHERE status = 'open'\"",
            "UPDATE " + t + " SET status = 'closed' WHERE id = 1");
    ApplicationFailure f =
        failure("VERIFY_FAILED", () -> run(SqlServers.newRun(), StepRequest.RUN, with, null));
    assertEquals(
        "verify: the query returned 2 rows, expected exactly 0; rolled back, nothing was applied",
        f.getOriginalMessage());
    JsonNode equals =
        change(
            db,
            "\"verify\": {\"query\": \"SELECT status FROM "
                + t
                + " WHERE id = :id\", \"bind\": {\"id\": 1}, \"expect\": {\"equals\": [{\"status\":"
                + " \"done\"}]}}",
            "UPDATE " + t + " SET status = 'closed' WHERE id = 1");
    ApplicationFailure e =
        failure("VERIFY_FAILED", () -> run(SqlServers.newRun(), StepRequest.RUN, equals, null));
    assertEquals(
        "verify: row 1 column status is 'closed', expected \"done\"; rolled back, nothing was"
            + " applied",
        e.getOriginalMessage());
    assertEquals(before, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aSecondApplyWithTheSameKeyReportsTheFirstAndAppliesNothing(Db db) {
    String t = SqlServers.table(db);
    String run = SqlServers.newRun();
    JsonNode with =
        change(db, "\"expectRows\": 1", "UPDATE " + t + " SET amount = amount + 1 WHERE id = 1");
    StepResult first = run(run, StepRequest.RUN, with, null);
    StepResult retry = run(run, StepRequest.RUN, with, null);

    assertEquals(1, first.outputs().path("rowsAffected").asInt());
    assertEquals(1, retry.outputs().path("rowsAffected").asInt());
    assertTrue(retry.outputs().path("fromLedger").asBoolean());
    assertTrue(retry.summary().contains("nothing applied again"), retry.summary());
    assertEquals(11, count(db, "SELECT amount FROM " + t + " WHERE id = 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void twoAttemptsAtOnceApplyOnce(Db db) throws Exception {
    String t = SqlServers.table(db);
    String run = SqlServers.newRun();
    JsonNode with =
        change(db, "\"expectRows\": 1", "UPDATE " + t + " SET amount = amount + 1 WHERE id = 1");
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<StepResult>> attempts =
          pool.invokeAll(
              List.of(
                  () -> run(run, StepRequest.RUN, with, null),
                  () -> run(run, StepRequest.RUN, with, null)));
      int fromLedger = 0;
      for (var attempt : attempts) {
        try {
          StepResult r = attempt.get();
          assertEquals(1, r.outputs().path("rowsAffected").asInt());
          fromLedger += r.outputs().path("fromLedger").asBoolean() ? 1 : 0;
        } catch (java.util.concurrent.ExecutionException e) {
          // a claim that waited past the lock timeout is a retryable failure, never a 2nd apply
          ApplicationFailure f = (ApplicationFailure) e.getCause();
          assertEquals("TRANSIENT", f.getType(), f.getOriginalMessage());
          fromLedger++;
        }
      }
      assertEquals(1, fromLedger);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(11, count(db, "SELECT amount FROM " + t + " WHERE id = 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aPreviewMasksSensitiveColumns(Db db) {
    exec(
        db,
        "CREATE TABLE IF NOT EXISTS users (id integer PRIMARY KEY, email varchar(100), name"
            + " varchar(100))");
    exec(db, "DELETE FROM users");
    exec(db, "INSERT INTO users VALUES (1, 'A@example.com', 'alice')");
    JsonNode with = change(db, "", "UPDATE users SET email = lower(email) WHERE id = 1");
    StepResult preview = run(SqlServers.newRun(), StepRequest.PREVIEW, with, null);
    JsonNode row = preview.outputs().path("diff").path(0);
    assertEquals("***", row.path("before").path("email").asText(), preview.outputs().toString());
    assertEquals("***", row.path("after").path("email").asText(), preview.outputs().toString());
    assertEquals("alice", row.path("after").path("name").asText());
    assertFalse(preview.outputs().toString().contains("example.com"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void bindValuesNeverChangeAStatement(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    for (String evil :
        List.of(
            "' OR 1=1 --",
            "x'; DELETE FROM " + t + "; --",
            "1 OR 1=1",
            "/* */ OR 1=1",
            "\\'; DROP TABLE " + t + "; --",
            ":name",
            "alice' --")) {
      JsonNode with =
          change(
              db,
              "\"bind\": {\"name\": "
                  + com.fasterxml.jackson.databind.node.TextNode.valueOf(evil)
                  + "}",
              "UPDATE " + t + " SET status = 'hacked' WHERE name = :name");
      StepResult result = run(SqlServers.newRun(), StepRequest.RUN, with, null);
      assertEquals(0, result.outputs().path("rowsAffected").asInt(), evil);
    }
    assertEquals(before, content(db, t));
    JsonNode quoted =
        change(
            db,
            "\"bind\": {\"name\": \"O'Brien\"}",
            "UPDATE " + t + " SET status = 'found' WHERE name = :name");
    assertEquals(
        1,
        run(SqlServers.newRun(), StepRequest.RUN, quoted, null)
            .outputs()
            .path("rowsAffected")
            .asInt());
    JsonNode literal =
        change(
            db,
            "\"bind\": {\"id\": 2}",
            "UPDATE " + t + " SET name = ':id -- not a bind' WHERE id = :id");
    run(SqlServers.newRun(), StepRequest.RUN, literal, null);
    assertEquals(1, count(db, "SELECT count(*) FROM " + t + " WHERE name = ':id -- not a bind'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theGuardsRunAgainAtRunTime(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    List<List<String>> refused =
        List.of(
            List.of("UPDATE " + t + " SET status = 'x'", "without WHERE"),
            List.of("DELETE FROM " + t + " WHERE 1 = 1", "always true"),
            List.of(
                "UPDATE "
                    + t
                    + " SET status = 'x' WHERE id = 1; DELETE FROM "
                    + t
                    + " WHERE id = 2",
                "one statement"),
            List.of("COMMIT", "COMMIT"),
            List.of("DROP TABLE " + t, "DROP"),
            List.of("SELECT * FROM " + t, "SELECT"),
            List.of("UPDATE " + t + " SET status = 'x' WHERE id = ?", "?"),
            List.of("UPDATE " + t + " SET name = sleep(1) WHERE id = 1", "sleep"));
    for (List<String> c : refused) {
      ApplicationFailure f =
          failure(
              "GUARD_VIOLATION",
              () -> run(SqlServers.newRun(), StepRequest.RUN, change(db, "", c.get(0)), null));
      assertTrue(
          f.getOriginalMessage().startsWith("statement 1 refused by the guards at run time: ")
              && f.getOriginalMessage().contains(c.get(1)),
          c.get(0) + " -> " + f.getOriginalMessage());
    }
    ApplicationFailure unbound =
        failure(
            "GUARD_VIOLATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.RUN,
                    change(db, "", "UPDATE " + t + " SET status = 'x' WHERE id = :id"),
                    null));
    assertTrue(unbound.getOriginalMessage().contains(":id has no bind value"));
    ApplicationFailure verify =
        failure(
            "GUARD_VIOLATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.RUN,
                    change(
                        db,
                        "\"verify\": \"DELETE FROM " + t + " WHERE id = 1\"",
                        "UPDATE " + t + " SET status = 'x' WHERE id = 1"),
                    null));
    assertTrue(verify.getOriginalMessage().startsWith("verify refused by the guards"));
    assertEquals(before, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aBackupAndItsRestorePutTheTableBackExactly(Db db) {
    String t = SqlServers.table(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    JsonNode update =
        change(
            db,
            "\"backup\": true",
            "UPDATE " + t + " SET amount = amount * 2, email = NULL WHERE status = 'open'",
            "DELETE FROM " + t + " WHERE id IN (1, 3)");
    JsonNode preview = run(run, StepRequest.PREVIEW, update, null).outputs();
    assertEquals(5, preview.path("previewRows").asInt()); // 3 updated, then 2 deleted
    StepResult applied = run(run, StepRequest.APPLY, update, preview);
    String backup = applied.outputs().path("backupTable").asText();
    assertTrue(backup.startsWith("rb_bk_run_"), backup);
    assertEquals(4, applied.outputs().path("backupRows").asInt(), "ids 1, 2, 4 and 3, once each");
    assertTrue(applied.outputs().path("backupChecksum").asText().startsWith("v2:"));
    assertNotEquals(original, content(db, t));

    JsonNode with = json("{\"database\": \"" + db.name() + "\", \"backup\": \"" + backup + "\"}");
    StepResult restored =
        clean(sql().restore(request(run, "fix", "sql.restore", with, StepRequest.RUN, null)));
    assertEquals(4, restored.outputs().path("rowsRestored").asInt());
    assertEquals(2, restored.outputs().path("inserted").asInt());
    assertEquals(original, content(db, t), "the table is back to its exact earlier content");

    StepResult again =
        clean(sql().restore(request(run, "fix", "sql.restore", with, StepRequest.RUN, null)));
    assertEquals(0, again.outputs().path("inserted").asInt());
    assertEquals(original, content(db, t), "restoring twice changes nothing more");

    ApplicationFailure other =
        failure(
            "NOT_OWNED",
            () ->
                sql()
                    .restore(
                        request(SqlServers.newRun(), "fix", "sql.restore", with, "run", null)));
    assertTrue(other.getOriginalMessage().contains("a run restores only its own backups"));
  }

  @org.junit.jupiter.api.Test
  void updateFromAndDeleteUsingArePreviewedBackedUpAndRestoredOnPostgresql() {
    Db db = SqlServers.postgres();
    String t = SqlServers.table(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    JsonNode with =
        change(
            db,
            "\"backup\": true, \"expectRows\": 3",
            "UPDATE "
                + t
                + " AS x SET status = f.s FROM (VALUES (1, 'one'), (2, 'two')) AS f(id, s)"
                + " WHERE x.id = f.id",
            "DELETE FROM " + t + " USING (VALUES (5)) AS g(id) WHERE " + t + ".id = g.id");
    JsonNode preview = run(run, StepRequest.PREVIEW, with, null).outputs();
    assertEquals(3, preview.path("previewRows").asInt());
    assertTrue(preview.path("imagesComplete").asBoolean(), preview.toString());
    assertEquals("one", preview.path("diff").path(0).path("after").path("status").asText());
    assertEquals("void", preview.path("diff").path(2).path("before").path("status").asText());
    assertEquals(original, content(db, t));

    StepResult applied = run(run, StepRequest.APPLY, with, preview);
    assertEquals(3, applied.outputs().path("backupRows").asInt());
    assertEquals(
        preview.path("previewHash").asText(), applied.outputs().path("applyHash").asText());
    clean(
        sql()
            .restore(
                request(
                    run,
                    "fix",
                    "sql.restore",
                    json(
                        "{\"database\": \"platform\", \"backup\": \""
                            + applied.outputs().path("backupTable").asText()
                            + "\"}"),
                    StepRequest.RUN,
                    null)));
    assertEquals(original, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void backupIsRefusedAtPreviewForATableWithoutPrimaryKey(Db db) {
    String t = "nopk" + System.nanoTime() % 100000;
    exec(
        db,
        "CREATE TABLE " + t + " (name varchar(20), n integer)",
        "INSERT INTO " + t + " VALUES ('a', 1)");
    ApplicationFailure f =
        failure(
            "CONFIGURATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.PREVIEW,
                    change(db, "\"backup\": true", "UPDATE " + t + " SET n = 2 WHERE name = 'a'"),
                    null));
    assertTrue(
        f.getOriginalMessage().startsWith("backup: true needs a primary key, and table " + t),
        f.getOriginalMessage());
    // without backup the preview works, pairing rows by position
    StepResult preview =
        run(
            SqlServers.newRun(),
            StepRequest.PREVIEW,
            change(db, "", "UPDATE " + t + " SET n = 2 WHERE name = 'a'"),
            null);
    assertEquals(1, preview.outputs().path("previewRows").asInt());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void sqlBackupCopiesTheMatchingRowsOnceAndRestorePutsThemBack(Db db) {
    String t = SqlServers.table(db);
    String original = content(db, t);
    String run = SqlServers.newRun();
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"table\": \""
                + t
                + "\", \"where\": \"status = :s\", \"bind\": {\"s\": \"open\"}}");
    StepResult backup =
        clean(sql().backup(request(run, "keep", "sql.backup", with, StepRequest.RUN, null)));
    assertEquals(3, backup.outputs().path("rowCount").asInt());
    StepResult retry =
        clean(sql().backup(request(run, "keep", "sql.backup", with, StepRequest.RUN, null)));
    assertEquals(backup.outputs().path("checksum"), retry.outputs().path("checksum"));
    assertTrue(retry.summary().startsWith("already taken"), retry.summary());
    exec(db, "DELETE FROM " + t + " WHERE status = 'open'");
    StepResult restored =
        clean(
            sql()
                .restore(
                    request(
                        run,
                        "keep",
                        "sql.restore",
                        json(
                            "{\"database\": \""
                                + db.name()
                                + "\", \"backup\": \""
                                + backup.outputs().path("backupTable").asText()
                                + "\"}"),
                        StepRequest.RUN,
                        null)));
    assertEquals(3, restored.outputs().path("inserted").asInt());
    assertEquals(original, content(db, t));

    ApplicationFailure everything =
        failure(
            "GUARD_VIOLATION",
            () ->
                sql()
                    .backup(
                        request(
                            SqlServers.newRun(),
                            "keep",
                            "sql.backup",
                            json(
                                "{\"database\": \""
                                    + db.name()
                                    + "\", \"table\": \""
                                    + t
                                    + "\", \"where\": \"1 = 1 OR id = 2\"}"),
                            StepRequest.RUN,
                            null)));
    assertTrue(
        everything.getOriginalMessage().contains("always true"), everything.getOriginalMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anInsertPreviewNotesThatTheIdsItDrewAreNotGivenBack(Db db) {
    String t = "seq" + System.nanoTime() % 100000;
    exec(
        db,
        "CREATE TABLE "
            + t
            + (db.postgres()
                ? " (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name varchar(20))"
                : " (id integer AUTO_INCREMENT PRIMARY KEY, name varchar(20))"));
    String run = SqlServers.newRun();
    JsonNode with = change(db, "", "INSERT INTO " + t + " (name) VALUES ('a')");
    StepResult preview = run(run, StepRequest.PREVIEW, with, null);
    assertEquals(
        "Statement 1 inserts rows: the preview drew their generated ids from "
            + (db.postgres()
                ? "the table's sequences (nextval)"
                : "the table's AUTO_INCREMENT counter")
            + ", and rolling back does not give them back, so the ids skip those values and the"
            + " apply's ids differ from the preview's.",
        preview.outputs().path("notes").path(0).asText());
    assertTrue(preview.summary().endsWith("; 1 note (notes)"), preview.summary());
    assertEquals(1, preview.outputs().path("diff").path(0).path("after").path("id").asInt());
    run(run, StepRequest.APPLY, with, preview.outputs());
    assertEquals(2, count(db, "SELECT id FROM " + t), "the note tells the truth");
    StepResult update =
        run(
            SqlServers.newRun(),
            StepRequest.PREVIEW,
            change(db, "", "UPDATE " + t + " SET name = 'b' WHERE id = 2"),
            null);
    assertEquals(0, update.outputs().path("notes").size(), "no note without an INSERT");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aLockTimeoutIsATypedRetryableFailureThatChangesNothing(Db db) throws Exception {
    String t = SqlServers.table(db);
    String before = content(db, t);
    try (java.sql.Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      try (java.sql.Statement s = holder.createStatement()) {
        s.execute("UPDATE " + t + " SET name = name WHERE id = 1");
      }
      JsonNode with =
          change(db, "\"lockTimeout\": \"1s\"", "UPDATE " + t + " SET status = 'x' WHERE id <= 2");
      ApplicationFailure f =
          failure("TRANSIENT", () -> run(SqlServers.newRun(), StepRequest.RUN, with, null));
      assertTrue(
          f.getOriginalMessage().startsWith("lock timeout: the change on " + db.name()),
          f.getOriginalMessage());
      assertTrue(f.getOriginalMessage().contains("waited longer than 1s"), f.getOriginalMessage());
      assertFalse(f.isNonRetryable());
      holder.rollback();
    }
    assertEquals(before, content(db, t));
  }
}
