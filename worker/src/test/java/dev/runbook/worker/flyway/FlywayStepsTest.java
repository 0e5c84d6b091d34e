package dev.runbook.worker.flyway;

import static dev.runbook.worker.flyway.FlywayServers.activities;
import static dev.runbook.worker.flyway.FlywayServers.clean;
import static dev.runbook.worker.flyway.FlywayServers.count;
import static dev.runbook.worker.flyway.FlywayServers.db;
import static dev.runbook.worker.flyway.FlywayServers.failure;
import static dev.runbook.worker.flyway.FlywayServers.hasColumn;
import static dev.runbook.worker.flyway.FlywayServers.json;
import static dev.runbook.worker.flyway.FlywayServers.migration;
import static dev.runbook.worker.flyway.FlywayServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.flyway.FlywayServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The migration steps against the real PostgreSQL and MariaDB, one database per case. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlywayStepsTest {

  private static JsonNode with(String database, String extra) {
    return json("{\"database\": \"" + database + "\"" + extra + "}");
  }

  private static StepResult info(String database) {
    return clean(activities().info(request("info", "flyway.info", with(database, ""))));
  }

  private static List<String> versions(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(m -> out.add(m.path("version").asText()));
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"pg_a", "my_a"})
  void migrateAppliesThePendingMigrationsInOrderUpToATargetAndInfoReportsThem(String name) {
    Db db = db(name);
    migration(name, "V1__create_orders.sql", "CREATE TABLE orders (id integer PRIMARY KEY);");
    migration(name, "V2__add_status.sql", "ALTER TABLE orders ADD COLUMN status varchar(20);");

    StepResult before = info(name);
    assertEquals(List.of("1", "2"), versions(before.outputs().path("pending")));
    assertTrue(before.outputs().path("currentVersion").isNull());
    assertEquals(0, before.outputs().path("applied").size());

    StepResult first =
        clean(
            activities()
                .migrate(request("m1", "flyway.migrate", with(name, ", \"target\": \"1\""))));
    assertEquals(List.of("1"), versions(first.outputs().path("applied")));
    assertEquals(
        "V1__create_orders.sql", first.outputs().path("applied").path(0).path("script").asText());
    assertEquals(List.of("2"), versions(first.outputs().path("pending")));
    assertEquals("1", first.outputs().path("currentVersion").asText());
    assertFalse(hasColumn(db, "orders", "status"));

    StepResult second =
        clean(activities().migrate(request("m2", "flyway.migrate", with(name, ""))));
    assertEquals(List.of("2"), versions(second.outputs().path("applied")));
    assertEquals("2", second.outputs().path("currentVersion").asText());
    assertEquals("1", second.outputs().path("initialVersion").asText());
    assertTrue(second.outputs().path("failed").isNull());
    assertEquals("1 migration applied to " + name + ": 1 -> 2", second.summary());
    assertTrue(hasColumn(db, "orders", "status"));

    StepResult again = clean(activities().migrate(request("m3", "flyway.migrate", with(name, ""))));
    assertEquals(0, again.outputs().path("applied").size());
    assertEquals("no pending migration on " + name + ": at version 2", again.summary());

    StepResult after = info(name);
    assertEquals(List.of("1", "2"), versions(after.outputs().path("applied")));
    assertEquals(0, after.outputs().path("pending").size());
    assertEquals(name + " at version 2, 2 applied, 0 pending", after.summary());
    assertEquals(
        "runbook carol run-m2",
        installedBy(db, "2"),
        "the schema history names the launcher and the run");

    StepResult valid =
        clean(activities().validate(request("v", "flyway.validate", with(name, ""))));
    assertTrue(valid.outputs().path("valid").asBoolean(), valid.outputs().toString());
    assertEquals(0, valid.outputs().path("errors").size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"pg_c", "my_c"})
  void outOfOrderMigrationsAreRefusedUnlessAskedForAndEditedScriptsFailValidation(String name) {
    migration(name, "V1__a.sql", "CREATE TABLE a (id integer PRIMARY KEY);");
    migration(name, "V3__c.sql", "CREATE TABLE c (id integer PRIMARY KEY);");
    clean(activities().migrate(request("m1", "flyway.migrate", with(name, ""))));
    migration(name, "V2__b.sql", "CREATE TABLE b (id integer PRIMARY KEY);");

    ApplicationFailure refused =
        failure(
            "MIGRATION_FAILED",
            () -> activities().migrate(request("m2", "flyway.migrate", with(name, ""))));
    assertTrue(
        refused
            .getOriginalMessage()
            .startsWith("validation failed before the migration on " + name),
        refused.getOriginalMessage());
    assertTrue(refused.getOriginalMessage().contains("2"), refused.getOriginalMessage());

    StepResult outOfOrder =
        clean(
            activities()
                .migrate(request("m3", "flyway.migrate", with(name, ", \"outOfOrder\": true"))));
    assertEquals(List.of("2"), versions(outOfOrder.outputs().path("applied")));

    migration(name, "V1__a.sql", "CREATE TABLE a (id integer PRIMARY KEY, note varchar(10));");
    StepResult invalid =
        clean(activities().validate(request("v", "flyway.validate", with(name, ""))));
    assertFalse(invalid.outputs().path("valid").asBoolean());
    JsonNode error = invalid.outputs().path("errors").path(0);
    assertEquals("1", error.path("version").asText(), invalid.outputs().toString());
    assertTrue(error.path("message").asText().contains("checksum"), error.toString());

    StepResult realigned =
        clean(activities().repair(request("r", "flyway.repair", with(name, ""))));
    assertTrue(realigned.outputs().path("repaired").asBoolean());
    assertEquals("[\"1\"]", realigned.outputs().path("aligned").toString());
    assertTrue(
        clean(activities().validate(request("v2", "flyway.validate", with(name, ""))))
            .outputs()
            .path("valid")
            .asBoolean());
  }

  @Test
  void aFailedMigrationOnPostgresqlIsRolledBackWholeAndNothingIsLeftToRepair() {
    Db db = db("pg_b");
    migration("pg_b", "V1__orders.sql", "CREATE TABLE orders (id integer PRIMARY KEY);");
    migration(
        "pg_b",
        "V2__status.sql",
        "ALTER TABLE orders ADD COLUMN status varchar(20);\n"
            + "CREATE INDEX orders_missing_idx ON orders (missing_column);\n");

    ApplicationFailure failed =
        failure(
            "MIGRATION_FAILED",
            () -> activities().migrate(request("m", "flyway.migrate", with("pg_b", ""))));

    assertEquals(
        "migration 2 (V2__status.sql, line 2) failed on pg_b (local): column \"missing_column\""
            + " does not exist [42703]; it ran in one transaction that was rolled back: nothing of"
            + " it was applied",
        failed.getOriginalMessage());
    assertFalse(hasColumn(db, "orders", "status"), "the ADD COLUMN was rolled back");
    StepResult info = info("pg_b");
    assertTrue(info.outputs().path("failed").isNull(), info.outputs().toString());
    assertEquals("1", info.outputs().path("currentVersion").asText());
    assertEquals(List.of("2"), versions(info.outputs().path("pending")));
  }

  @Test
  void aFailedMigrationOnMariadbLeavesPartialDdlThatTheRepairRevertsBeforeMigratingAgain()
      throws Exception {
    Db db = db("my_b");
    migration("my_b", "V1__orders.sql", "CREATE TABLE orders (id integer PRIMARY KEY);");
    migration(
        "my_b",
        "V2__status.sql",
        "ALTER TABLE orders ADD COLUMN status varchar(20);\n"
            + "CREATE INDEX orders_missing_idx ON orders (missing_column);\n");

    ApplicationFailure failed =
        failure(
            "MIGRATION_FAILED",
            () -> activities().migrate(request("m", "flyway.migrate", with("my_b", ""))));
    String message = failed.getOriginalMessage();
    assertTrue(
        message.startsWith("migration 2 (V2__status.sql, line 2) failed on my_b (local): "),
        message);
    assertTrue(message.contains("missing_column"), message);
    assertTrue(
        message.endsWith(
            "MySQL/MariaDB DDL is not transactional, so the statements before the failing one may"
                + " have left partial changes; the schema history marks it failed: revert them and"
                + " repair with runbooks/migration-repair.yaml"),
        message);
    assertTrue(hasColumn(db, "orders", "status"), "MariaDB committed the ADD COLUMN");

    JsonNode detected = info("my_b").outputs().path("failed");
    assertEquals("2", detected.path("version").asText(), detected.toString());
    assertEquals("V2__status.sql", detected.path("script").asText());
    assertTrue(detected.path("partialChangesPossible").asBoolean());
    assertEquals("runbooks/migration-repair.yaml", detected.path("repair").asText());
    assertFalse(
        clean(activities().validate(request("v", "flyway.validate", with("my_b", ""))))
            .outputs()
            .path("valid")
            .asBoolean());
    ApplicationFailure blocked =
        failure(
            "MIGRATION_FAILED",
            () -> activities().migrate(request("m2", "flyway.migrate", with("my_b", ""))));
    assertTrue(
        blocked.getOriginalMessage().endsWith("repair with runbooks/migration-repair.yaml"),
        blocked.getOriginalMessage());

    // the wrong version or a refused statement runs nothing
    failure(
        "MIGRATION_FAILED",
        () ->
            activities()
                .repair(
                    request(
                        "r0",
                        "flyway.repair",
                        with(
                            "my_b",
                            ", \"version\": \"3\", \"revert\": [\"ALTER TABLE orders DROP COLUMN"
                                + " status\"]"))));
    ApplicationFailure guarded =
        failure(
            "GUARD_VIOLATION",
            () ->
                activities()
                    .repair(
                        request(
                            "r1",
                            "flyway.repair",
                            with(
                                "my_b",
                                ", \"version\": \"2\", \"revert\": [\"DELETE FROM orders\"]"))));
    assertEquals(
        "revert statement 1 refused by the guards at run time: DELETE without WHERE would delete"
            + " every row of orders",
        guarded.getOriginalMessage());
    assertTrue(hasColumn(db, "orders", "status"));

    StepResult repaired =
        clean(
            activities()
                .repair(
                    request(
                        "r2",
                        "flyway.repair",
                        with(
                            "my_b",
                            ", \"version\": \"2\", \"revert\": [\"ALTER TABLE orders DROP COLUMN"
                                + " status\"]"))));
    assertEquals(1, repaired.outputs().path("reverted").asInt());
    assertTrue(repaired.outputs().path("repaired").asBoolean());
    assertEquals("[\"2\"]", repaired.outputs().path("removed").toString());
    assertFalse(hasColumn(db, "orders", "status"), "the revert dropped the partial column");
    assertTrue(info("my_b").outputs().path("failed").isNull());

    migration(
        "my_b",
        "V2__status.sql",
        "ALTER TABLE orders ADD COLUMN status varchar(20);\n"
            + "CREATE INDEX orders_status_idx ON orders (status);\n");
    StepResult migrated =
        clean(activities().migrate(request("m3", "flyway.migrate", with("my_b", ""))));
    assertEquals(List.of("2"), versions(migrated.outputs().path("applied")));
    assertEquals("2", migrated.outputs().path("currentVersion").asText());
    assertTrue(hasColumn(db, "orders", "status"));
    assertEquals(
        1,
        count(
            db,
            "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()"
                + " AND index_name = 'orders_status_idx'"));
  }

  @Test
  void foldersOutsideTheMigrationsRootAreRefusedBeforeFlywayRuns() throws Exception {
    ApplicationFailure up =
        failure(
            "INVALID_PLAN",
            () ->
                activities()
                    .info(
                        request(
                            "i", "flyway.info", with("pg_d", ", \"locations\": [\"../etc\"]"))));
    assertEquals(
        "locations: '../etc' is not a folder under the migrations root (relative, no '..', no"
            + " hidden segments)",
        up.getOriginalMessage());
    failure(
        "INVALID_PLAN",
        () ->
            activities()
                .info(request("i", "flyway.info", with("pg_d", ", \"locations\": [\"/tmp\"]"))));

    java.nio.file.Path outside = Files.createTempDirectory("runbook-outside-");
    Files.writeString(outside.resolve("V1__x.sql"), "CREATE TABLE x (id integer);");
    Files.createSymbolicLink(FlywayServers.root().resolve("escape"), outside);
    ApplicationFailure link =
        failure(
            "INVALID_PLAN",
            () ->
                activities()
                    .migrate(
                        request(
                            "m", "flyway.migrate", with("pg_d", ", \"locations\": [\"escape\"]"))));
    assertTrue(
        link.getOriginalMessage().startsWith("locations: escape leads outside the migrations root"),
        link.getOriginalMessage());
    assertEquals(
        0,
        count(
            db("pg_d"),
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('x',"
                + " 'flyway_schema_history')"));

    ApplicationFailure missing =
        failure(
            "CONFIGURATION",
            () ->
                activities()
                    .info(
                        request(
                            "i", "flyway.info", with("pg_d", ", \"locations\": [\"nowhere\"]"))));
    assertTrue(
        missing.getOriginalMessage().startsWith("no migrations folder nowhere under "),
        missing.getOriginalMessage());
  }

  @Test
  void flywaysOwnLoggingGoesThroughTheRedactingLogAndNeverCarriesAPassword() {
    migration("pg_d", "V1__t.sql", "CREATE TABLE logged (id integer PRIMARY KEY);");
    clean(activities().migrate(request("m", "flyway.migrate", with("pg_d", ""))));
    List<String> log = FlywayServers.flywayLog();
    assertTrue(
        log.stream().anyMatch(l -> l.contains("Successfully applied 1 migration")),
        String.join("\n", log));
    for (String password : FlywayServers.passwords()) {
      assertEquals(
          "x *** y", FlywayLog.clean("x " + password + " y"), "the log would cut out a password");
    }
  }

  private static String installedBy(Db db, String version) {
    try (var c = db.connect();
        var s =
            c.prepareStatement(
                "SELECT installed_by FROM flyway_schema_history WHERE version = ?")) {
      s.setString(1, version);
      try (var r = s.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
