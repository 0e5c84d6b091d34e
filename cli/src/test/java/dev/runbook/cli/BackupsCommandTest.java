package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.sql.BackupsFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code runbook backups} on the real embedded PostgreSQL ({@code platform}) and MariaDB ({@code
 * invoicing}); backups are taken by the real {@code sql.backup} and {@code sql.change} steps.
 */
class BackupsCommandTest {
  private static Cli.Result backups(String... args) {
    List<String> all = new ArrayList<>(List.of("backups"));
    all.addAll(List.of(args));
    all.addAll(List.of("--environments", BackupsFixture.environments().toString()));
    Cli.Result result = Cli.run(CliContext.of(java.util.Map.of()), all.toArray(String[]::new));
    for (String password : BackupsFixture.passwords()) {
      assertFalse(result.out().contains(password) || result.err().contains(password), "password");
    }
    return result;
  }

  /** A table {@code name} with rows 1..4 (open, open, paid, open). */
  private static void orders(String db, String name) {
    BackupsFixture.exec(
        db,
        "CREATE TABLE " + name + " (id integer PRIMARY KEY, status varchar(20))",
        "INSERT INTO " + name + " VALUES (1, 'open'), (2, 'open'), (3, 'paid'), (4, 'open')");
  }

  @ParameterizedTest
  @ValueSource(strings = {"platform", "invoicing"})
  void listShowsTheRecordedBackupTablesThatExistAndNothingElse(String db) {
    BackupsFixture.reset(db, "bk_list_orders");
    orders(db, "bk_list_orders");
    // a user table named like a backup, and a record whose table is gone
    BackupsFixture.exec(db, "CREATE TABLE rb_bk_mine_1 (id integer)");
    StepResult backup = BackupsFixture.backup(db, "list-1", "keep", "bk_list_orders", "id < 3");
    StepResult change =
        BackupsFixture.change(
            db, "list-2", "fix", "UPDATE bk_list_orders SET status = 'void' WHERE id = 4");
    String first = backup.outputs().path("backupTable").asText();
    String second = change.outputs().path("backupTable").asText();
    BackupsFixture.takenAt(db, first, "2024-01-01 00:00:00");
    BackupsFixture.takenAt(db, second, "2024-02-01 12:30:00");
    BackupsFixture.exec(
        db,
        "INSERT INTO runbook_backups VALUES ('rb_bk_gone_x_01234567', 'bk_list_orders', 'id',"
            + " 'list-0', 'local', 'x', 1, 'sha256:00', '2023-12-01 00:00:00')");

    Cli.Result list = backups("list", "--env", "local", "--database", db);

    String expected =
        db.equals("platform")
            ? """
              DATABASE        BACKUP TABLE                SOURCE          ROWS   SIZE  CREATED\
                             RUN     STEP  CHECKSUM
              local/platform  rb_bk_list_1_keep_5d139236  bk_list_orders     2  8 KiB\
                2024-01-01T00:00:00Z  list-1  keep  v2:c2b7a00751d71339
              local/platform  rb_bk_list_2_fix_5896f617   bk_list_orders     1  8 KiB\
                2024-02-01T12:30:00Z  list-2  fix   v2:d9317d7879122de4
              2 backup tables, 16 KiB
              1 record has no table any more (an interrupted prune): `runbook backups prune`\
               removes it
              """
            : """
              DATABASE         BACKUP TABLE                SOURCE          ROWS    SIZE  CREATED\
                             RUN     STEP  CHECKSUM
              local/invoicing  rb_bk_list_1_keep_5d139236  bk_list_orders     2  16 KiB\
                2024-01-01T00:00:00Z  list-1  keep  v2:a14bc942cc7f42f4
              local/invoicing  rb_bk_list_2_fix_5896f617   bk_list_orders     1  16 KiB\
                2024-02-01T12:30:00Z  list-2  fix   v2:39121ac65c3ac6c9
              2 backup tables, 32 KiB
              1 record has no table any more (an interrupted prune): `runbook backups prune`\
               removes it
              """;
    assertEquals(new Cli.Result(0, expected, ""), list);
    assertTrue(
        backup
            .outputs()
            .path("checksum")
            .asText()
            .startsWith(db.equals("platform") ? "v2:c2b7a00751d71339" : "v2:a14bc942cc7f42f4"));
    assertEquals("rb_bk_list_1_keep_5d139236", first);
    assertEquals("rb_bk_list_2_fix_5896f617", second);

    Cli.Result old = backups("list", "--env", "local", "--database", db, "--older-than", "30d");
    assertTrue(old.out().contains(first) && old.out().contains(second), old.out());
    Cli.Result json = backups("list", "--env", "local", "--database", db, "--format", "json");
    assertEquals(0, json.exitCode(), json.err());
    String text = json.out();
    assertTrue(text.contains("\"backupTable\" : \"" + first + "\""), text);
    assertTrue(text.contains(backup.outputs().path("checksum").asText()), text);
    assertTrue(text.contains("\"createdAt\" : \"2024-01-01T00:00:00Z\""), text);
    assertFalse(text.contains("rb_bk_mine_1") || text.contains("rb_bk_gone_x"), text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"platform", "invoicing"})
  void pruneDropsOnlyOldRecordedBackupsWithTheirRecords(String db) {
    BackupsFixture.reset(db, "bk_prune_orders");
    orders(db, "bk_prune_orders");
    BackupsFixture.exec(
        db, "CREATE TABLE rb_bk_mine_2 (id integer)", "INSERT INTO rb_bk_mine_2 VALUES (7)");
    String old =
        BackupsFixture.backup(db, "prune-1", "keep", "bk_prune_orders", "id < 3")
            .outputs()
            .path("backupTable")
            .asText();
    String fresh =
        BackupsFixture.change(
                db, "prune-2", "fix", "UPDATE bk_prune_orders SET status = 'void' WHERE id = 4")
            .outputs()
            .path("backupTable")
            .asText();
    BackupsFixture.takenAt(db, old, "2024-01-01 00:00:00");
    // a prune that stopped between the drop and the record (MySQL): the record is left
    BackupsFixture.exec(
        db,
        "INSERT INTO runbook_backups VALUES ('rb_bk_gone_y_01234567', 'bk_prune_orders', 'id',"
            + " 'prune-0', 'local', 'y', 1, 'sha256:00', '2023-12-01 00:00:00')");
    String size = db.equals("platform") ? "8 KiB" : "16 KiB";
    String listed =
        db.equals("platform")
            ? """
              DATABASE        BACKUP TABLE                 SOURCE           ROWS   SIZE  CREATED\
                             RUN      STEP  CHECKSUM
              local/platform  rb_bk_gone_y_01234567        bk_prune_orders     1   gone\
                2023-12-01T00:00:00Z  prune-0  y     sha256:00
              local/platform  rb_bk_prune_1_keep_fecbe240  bk_prune_orders     2  8 KiB\
                2024-01-01T00:00:00Z  prune-1  keep  v2:c2b7a00751d71339
              """
            : """
              DATABASE         BACKUP TABLE                 SOURCE           ROWS    SIZE\
                CREATED               RUN      STEP  CHECKSUM
              local/invoicing  rb_bk_gone_y_01234567        bk_prune_orders     1    gone\
                2023-12-01T00:00:00Z  prune-0  y     sha256:00
              local/invoicing  rb_bk_prune_1_keep_fecbe240  bk_prune_orders     2  16 KiB\
                2024-01-01T00:00:00Z  prune-1  keep  v2:a14bc942cc7f42f4
              """;
    assertEquals("rb_bk_prune_1_keep_fecbe240", old);

    Cli.Result dry =
        backups("prune", "--env", "local", "--database", db, "--older-than", "30d", "--dry-run");
    Cli.Result refused =
        backups("prune", "--env", "local", "--database", db, "--older-than", "30d");

    assertEquals(
        new Cli.Result(
            0,
            listed
                + "1 backup table, "
                + size
                + "; 1 record(s) only\ndry run: nothing was dropped\n",
            ""),
        dry);
    assertEquals(
        new Cli.Result(
            2,
            listed + "1 backup table, " + size + "; 1 record(s) only\n",
            "runbook: not dropping 2 backup tables without confirmation: this is not an"
                + " interactive terminal; check the list above (or --dry-run) and pass --yes\n"),
        refused);
    assertTrue(BackupsFixture.exists(db, old), "nothing dropped yet");
    assertEquals(3, BackupsFixture.count(db, "SELECT count(*) FROM runbook_backups"));

    Cli.Result pruned =
        backups("prune", "--env", "local", "--database", db, "--older-than", "30d", "--yes");

    assertEquals(
        new Cli.Result(
            0,
            listed
                + "1 backup table, "
                + size
                + "; 1 record(s) only\n"
                + "removed the record of rb_bk_gone_y_01234567 (local/"
                + db
                + "; no table left)\n"
                + "dropped "
                + old
                + " (local/"
                + db
                + ")\n"
                + "dropped 2 of 2\n",
            ""),
        pruned);
    assertFalse(BackupsFixture.exists(db, old));
    assertTrue(BackupsFixture.exists(db, fresh), "a backup younger than 30d stays");
    assertEquals(
        1, BackupsFixture.count(db, "SELECT count(*) FROM runbook_backups"), "its record too");
    assertEquals(1, BackupsFixture.count(db, "SELECT count(*) FROM rb_bk_mine_2"), "user table");
    assertEquals(4, BackupsFixture.count(db, "SELECT count(*) FROM bk_prune_orders"));

    Cli.Result again =
        backups("prune", "--env", "local", "--database", db, "--older-than", "30d", "--yes");
    assertEquals(new Cli.Result(0, "no backup tables older than 30d\n", ""), again);
    Cli.Result list = backups("list", "--env", "local", "--database", db);
    assertTrue(list.out().contains(fresh) && !list.out().contains(old), list.out());
    // an age of at least an hour: the fresh backup is not old enough
    Cli.Result young =
        backups("prune", "--env", "local", "--database", db, "--older-than", "1h", "--yes");
    assertEquals(new Cli.Result(0, "no backup tables older than 1h\n", ""), young);
    assertTrue(BackupsFixture.exists(db, fresh));
  }

  @org.junit.jupiter.api.Test
  void badInputAndUnreachableDatabasesAreOneLineWithTheirExitCodes() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: no environment nope with databases in "
                + BackupsFixture.environments()
                + " (there: engine, local, other)\n"),
        backups("list", "--env", "nope"));
    assertEquals(
        new Cli.Result(
            2, "", "runbook: no database x in environment local (there: platform, invoicing)\n"),
        backups("list", "--env", "local", "--database", "x"));
    Cli.Result young = backups("prune", "--env", "local", "--older-than", "30m", "--yes");
    assertEquals(2, young.exitCode());
    assertTrue(young.err().startsWith("runbook: --older-than 30m: at least 1h"), young.err());
    Cli.Result bad = backups("prune", "--env", "local", "--older-than", "soon", "--yes");
    assertEquals(
        "runbook: --older-than soon: expected a duration such as 30d, 12h or 90m\n", bad.err());
    Cli.Result missing = backups("prune", "--env", "local", "--yes");
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().contains("--older-than"), missing.err());

    Cli.Result secret = backups("list", "--env", "other", "--database", "nosecret");
    assertEquals(2, secret.exitCode(), secret.toString());
    assertTrue(
        secret.err().startsWith("runbook: no secret other/nosecret in the local secrets file"),
        secret.err());
    assertEquals(1, secret.err().lines().count(), secret.err());

    Cli.Result gone = backups("list", "--env", "other", "--database", "gone");
    assertEquals(3, gone.exitCode(), gone.toString());
    assertTrue(
        gone.err().startsWith("runbook: cannot connect to gone (other) at 127.0.0.1:"), gone.err());
    assertEquals(1, gone.err().lines().count(), gone.err());
    assertFalse(gone.err().contains("Exception"), gone.err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"platform", "invoicing"})
  void listAndPruneLookInTheEngineSchemaOfTheDatabase(String db) {
    BackupsFixture.environments();
    String schema = BackupsFixture.ENGINE_SCHEMA;
    String table = "rb_bk_eng_1_keep_0123abcd";
    BackupsFixture.exec(
        db,
        "DROP TABLE IF EXISTS " + schema + "." + table,
        "DROP TABLE IF EXISTS " + schema + ".runbook_backups",
        "CREATE TABLE "
            + schema
            + ".runbook_backups (backup_table varchar(128) NOT NULL PRIMARY KEY, source_table"
            + " varchar(255) NOT NULL, primary_key varchar(1024) NOT NULL, run_id varchar(255) NOT"
            + " NULL, environment varchar(128) NOT NULL, step_id varchar(128) NOT NULL, row_count"
            + " bigint NOT NULL, checksum varchar(128) NOT NULL, created_at "
            + (db.equals("platform") ? "timestamptz" : "datetime(3)")
            + " NOT NULL)",
        "CREATE TABLE " + schema + "." + table + " (id integer)",
        "INSERT INTO "
            + schema
            + ".runbook_backups VALUES ('"
            + table
            + "', 'orders', 'id', 'eng-1', 'engine', 'keep', 0, 'v2:00', '2024-01-01 00:00:00')");

    Cli.Result list = backups("list", "--env", "engine", "--database", db);
    assertEquals(0, list.exitCode(), list.err());
    assertTrue(list.out().contains("engine/" + db + "  " + table), list.out());
    assertTrue(list.out().contains("1 backup table,"), list.out());

    Cli.Result pruned =
        backups("prune", "--env", "engine", "--database", db, "--older-than", "30d", "--yes");
    assertEquals(0, pruned.exitCode(), pruned.err());
    assertTrue(pruned.out().contains("dropped " + table + " (engine/" + db + ")"), pruned.out());
    assertEquals(
        0,
        BackupsFixture.count(
            db,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                + schema
                + "' AND table_name = '"
                + table
                + "'"));
    assertEquals(
        0, BackupsFixture.count(db, "SELECT count(*) FROM " + schema + ".runbook_backups"));
  }
}
