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
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MySQL's multi-table UPDATE and DELETE on real MariaDB: the target's rows are imaged (before: the
 * rows the join and WHERE match, by primary key; after: read again by primary key), so the diff,
 * the hashes, the stale-preview check and {@code backup: true} work; a statement that writes
 * several tables is counted, not imaged, and refuses a backup, saying why.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlMultiTableTest {
  private static final AtomicInteger TABLES = new AtomicInteger();

  /** Orders 1..5 of customers 10 (eu, gold), 20 (us, basic), 30 (eu, basic). */
  private record Tables(String orders, String customers) {}

  private static Tables tables(Db db) {
    int n = TABLES.incrementAndGet();
    Tables t = new Tables("mo" + n, "mc" + n);
    exec(
        db,
        "CREATE TABLE "
            + t.customers()
            + " (id integer PRIMARY KEY, region varchar(10), tier varchar(10))",
        "INSERT INTO "
            + t.customers()
            + " VALUES (10, 'eu', 'gold'), (20, 'us', 'basic'), (30, 'eu', 'basic')",
        "CREATE TABLE "
            + t.orders()
            + " (id integer PRIMARY KEY, customer_id integer, status varchar(20),"
            + " amount decimal(10,2))",
        "INSERT INTO "
            + t.orders()
            + " VALUES (1, 10, 'open', 10.00), (2, 20, 'open', 20.00), (3, 30, 'paid', 30.00),"
            + " (4, 10, 'open', 40.00), (5, 30, 'open', 50.00)");
    return t;
  }

  private static JsonNode change(Db db, String extra, String statement) {
    return json(
        "{\"database\": \""
            + db.name()
            + "\", \"statements\": ["
            + TextNode.valueOf(statement)
            + "]"
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }

  private static StepResult run(String run, String phase, JsonNode with, JsonNode approved) {
    return clean(
        SqlServers.activities().change(request(run, "fix", "sql.change", with, phase, approved)));
  }

  @Test
  void anUpdateJoinIsPreviewedAppliedAsPreviewedAndRefusedWhenItsRowsChanged() {
    Db db = SqlServers.mariadb();
    Tables t = tables(db);
    String before = content(db, t.orders());
    String run = SqlServers.newRun();
    JsonNode with =
        change(
            db,
            "\"bind\": {\"region\": \"eu\"}, \"expectRows\": 3",
            "UPDATE "
                + t.orders()
                + " o JOIN "
                + t.customers()
                + " c ON c.id = o.customer_id SET o.status = c.tier"
                + " WHERE c.region = :region AND o.status = 'open'");

    JsonNode preview = run(run, StepRequest.PREVIEW, with, null).outputs();

    assertEquals(3, preview.path("previewRows").asInt(), preview.toString()); // orders 1, 4, 5
    assertTrue(preview.path("imagesComplete").asBoolean(), preview.toString());
    assertEquals(3, preview.path("diff").size());
    JsonNode first = preview.path("diff").path(0);
    assertEquals(t.orders(), first.path("table").asText());
    assertEquals(1, first.path("key").path("id").asInt());
    assertEquals("open", first.path("before").path("status").asText());
    assertEquals("gold", first.path("after").path("status").asText());
    assertEquals("id", preview.path("primaryKeys").path(t.orders()).path(0).asText());
    assertEquals(0, preview.path("notes").size(), preview.toString());
    assertEquals(before, content(db, t.orders()), "a preview changes nothing");

    // the same rows, other content: the before-image hash tells, nothing is applied
    exec(db, "UPDATE " + t.orders() + " SET amount = 41.00 WHERE id = 4");
    String changed = content(db, t.orders());
    ApplicationFailure stale =
        failure("ROW_COUNT_MISMATCH", () -> run(run, StepRequest.APPLY, with, preview));
    assertTrue(
        stale.getOriginalMessage().startsWith("the rows changed since the preview: the same 3"),
        stale.getOriginalMessage());
    assertEquals(changed, content(db, t.orders()));

    exec(db, "UPDATE " + t.orders() + " SET amount = 40.00 WHERE id = 4");
    StepResult apply = run(run, StepRequest.APPLY, with, preview);
    assertEquals(3, apply.outputs().path("rowsAffected").asInt());
    assertEquals(
        preview.path("previewHash").asText(),
        apply.outputs().path("applyHash").asText(),
        "the apply changed exactly the previewed rows the same way");
    assertEquals(2, count(db, "SELECT count(*) FROM " + t.orders() + " WHERE status = 'gold'"));
    assertEquals(1, count(db, "SELECT count(*) FROM " + t.orders() + " WHERE status = 'basic'"));
  }

  @Test
  void aTargetRowMatchedByManyJoinedRowsIsImagedOnceLikeTheStatementCountsIt() {
    Db db = SqlServers.mariadb();
    Tables t = tables(db);
    // every customer row matches every order: a cross join on a constant condition
    JsonNode with =
        change(
            db,
            "",
            "UPDATE "
                + t.orders()
                + ", "
                + t.customers()
                + " SET "
                + t.orders()
                + ".amount = "
                + t.orders()
                + ".amount + 1 WHERE "
                + t.customers()
                + ".region = 'eu' AND "
                + t.orders()
                + ".id <= 2");
    JsonNode preview = run(SqlServers.newRun(), StepRequest.PREVIEW, with, null).outputs();
    assertEquals(2, preview.path("previewRows").asInt(), preview.toString());
    assertTrue(preview.path("imagesComplete").asBoolean(), preview.toString());
    assertEquals(2, preview.path("diff").size(), preview.toString());
    assertEquals(
        11.0,
        preview.path("diff").path(0).path("after").path("amount").asDouble(),
        preview.toString());
  }

  @Test
  void aDeleteJoinIsBackedUpAndRestoredExactly() {
    Db db = SqlServers.mariadb();
    Tables t = tables(db);
    String original = content(db, t.orders());
    String run = SqlServers.newRun();
    JsonNode with =
        change(
            db,
            "\"backup\": true, \"expectRows\": 2",
            "DELETE o FROM "
                + t.orders()
                + " o JOIN "
                + t.customers()
                + " c ON c.id = o.customer_id WHERE c.tier = 'basic' AND o.status = 'open'");
    JsonNode preview = run(run, StepRequest.PREVIEW, with, null).outputs();
    assertEquals(2, preview.path("previewRows").asInt(), preview.toString()); // orders 2, 5
    assertTrue(preview.path("imagesComplete").asBoolean(), preview.toString());
    assertEquals("open", preview.path("diff").path(0).path("before").path("status").asText());
    assertTrue(preview.path("diff").path(0).path("after").isNull());

    StepResult applied = run(run, StepRequest.APPLY, with, preview);
    String backup = applied.outputs().path("backupTable").asText();
    assertEquals(2, applied.outputs().path("backupRows").asInt());
    assertEquals(3, count(db, "SELECT count(*) FROM " + t.orders()));

    StepResult restored =
        clean(
            SqlServers.activities()
                .restore(
                    request(
                        run,
                        "fix",
                        "sql.restore",
                        json("{\"database\": \"invoicing\", \"backup\": \"" + backup + "\"}"),
                        StepRequest.RUN,
                        null)));
    assertEquals(2, restored.outputs().path("inserted").asInt());
    assertEquals(original, content(db, t.orders()), "the table is back to its exact content");
  }

  @Test
  void anUpdateJoinWithABackupPutsTheTargetBackAndLeavesTheJoinedTableAlone() {
    Db db = SqlServers.mariadb();
    Tables t = tables(db);
    String original = content(db, t.orders());
    String customers = content(db, t.customers());
    String run = SqlServers.newRun();
    JsonNode with =
        change(
            db,
            "\"backup\": true",
            "UPDATE "
                + t.orders()
                + " JOIN "
                + t.customers()
                + " ON "
                + t.customers()
                + ".id = "
                + t.orders()
                + ".customer_id SET "
                + t.orders()
                + ".amount = 0 WHERE "
                + t.customers()
                + ".region = 'us'");
    StepResult applied = run(run, StepRequest.RUN, with, null);
    assertEquals(1, applied.outputs().path("backupRows").asInt());
    assertEquals(0, count(db, "SELECT amount FROM " + t.orders() + " WHERE id = 2"));
    clean(
        SqlServers.activities()
            .restore(
                request(
                    run,
                    "fix",
                    "sql.restore",
                    json(
                        "{\"database\": \"invoicing\", \"backup\": \""
                            + applied.outputs().path("backupTable").asText()
                            + "\"}"),
                    StepRequest.RUN,
                    null)));
    assertEquals(original, content(db, t.orders()));
    assertEquals(customers, content(db, t.customers()));
  }

  @Test
  void aStatementThatWritesSeveralTablesIsCountedNotImagedAndRefusesABackup() {
    Db db = SqlServers.mariadb();
    Tables t = tables(db);
    String statement =
        "UPDATE "
            + t.orders()
            + " o JOIN "
            + t.customers()
            + " c ON c.id = o.customer_id SET o.status = 'held', c.tier = 'watch'"
            + " WHERE c.region = 'us'";
    JsonNode preview =
        run(SqlServers.newRun(), StepRequest.PREVIEW, change(db, "", statement), null).outputs();
    assertEquals(2, preview.path("previewRows").asInt(), preview.toString()); // 1 order, 1 customer
    assertFalse(preview.path("imagesComplete").asBoolean());
    assertEquals(
        "Statement 1 is a multi-table UPDATE that writes several tables ("
            + t.orders()
            + ", "
            + t.customers()
            + "): its rows are counted, not shown (imagesComplete: false).",
        preview.path("notes").path(0).asText());

    ApplicationFailure refused =
        failure(
            "CONFIGURATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.PREVIEW,
                    change(db, "\"backup\": true", statement),
                    null));
    assertTrue(
        refused
            .getOriginalMessage()
            .contains(
                "statement 1 is a multi-table UPDATE that writes several tables ("
                    + t.orders()
                    + ", "
                    + t.customers()
                    + ") (split it into one statement per table"),
        refused.getOriginalMessage());

    ApplicationFailure unqualified =
        failure(
            "CONFIGURATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.PREVIEW,
                    change(
                        db,
                        "\"backup\": true",
                        "UPDATE "
                            + t.orders()
                            + " o JOIN "
                            + t.customers()
                            + " c ON c.id = o.customer_id SET status = 'held' WHERE c.region ="
                            + " 'us'"),
                    null));
    assertTrue(
        unqualified.getOriginalMessage().contains("SET columns do not name their table"),
        unqualified.getOriginalMessage());

    ApplicationFailure deleteBoth =
        failure(
            "CONFIGURATION",
            () ->
                run(
                    SqlServers.newRun(),
                    StepRequest.PREVIEW,
                    change(
                        db,
                        "\"backup\": true",
                        "DELETE o, c FROM "
                            + t.orders()
                            + " o JOIN "
                            + t.customers()
                            + " c ON c.id = o.customer_id WHERE c.region = 'us'"),
                    null));
    assertTrue(
        deleteBoth.getOriginalMessage().contains("a multi-table DELETE that writes several tables"),
        deleteBoth.getOriginalMessage());
  }
}
