package dev.runbook.worker.local.cloud;

import static dev.runbook.worker.local.cloud.LocalCloudFixture.checksum;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.clean;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.connect;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.exec;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.exists;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.failure;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.rds;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.registry;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.request;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.sql;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.flyway.FlywayMigrations;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The local cloud provider against the embedded PostgreSQL: real copies, real drops. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalCloudTest {
  private static final AtomicInteger N = new AtomicInteger();

  /** A new table in platform with rows 1..3, returned by name. */
  private static String table() {
    String t = "cloud_t" + N.incrementAndGet();
    exec(
        "platform",
        "CREATE TABLE " + t + " (id integer PRIMARY KEY, total numeric(10,2), status text)",
        "INSERT INTO " + t + " VALUES (1, 10.00, 'open'), (2, 20.50, 'paid'), (3, 0, 'void')");
    return t;
  }

  private static String run() {
    return "cloud-run-" + N.incrementAndGet();
  }

  private static StepResult snapshot(String run, String step) {
    return clean(
        rds().snapshot(request(run, step, "aws.rds.snapshot", "{\"database\": \"platform\"}")));
  }

  private static StepResult restore(String run, String target, String time) {
    return clean(
        rds()
            .restorePitr(
                request(
                    run,
                    "restore",
                    "aws.rds.restore-pitr",
                    "{\"source\": \"platform\", \"target\": \""
                        + target
                        + "\", "
                        + (time == null ? "\"latest\": true" : "\"time\": \"" + time + "\"")
                        + "}")));
  }

  @Test
  void aSnapshotIsACopyOfTheDatabaseRecordedWithItsRun() {
    String t = table();
    String run = run();
    StepResult result = snapshot(run, "snap");

    JsonNode out = result.outputs();
    String id = out.path("snapshotId").asText();
    assertEquals("platform-test-" + run, id);
    assertEquals("available", out.path("status").asText());
    assertEquals(
        "arn:local:rds:local:000000000000:snapshot:" + id, out.path("snapshotArn").asText());
    assertTrue(exists(id), "the snapshot database exists");
    assertEquals(checksum("platform", t), checksum(id, t));
    assertEquals("snapshot available " + run + " " + id, registry("snapshot", id));
    assertTrue(result.summary().contains("a copy of database platform as " + id), result.summary());
  }

  @Test
  void aRetriedSnapshotFindsItsOwnCopyAndAnotherRunCannotReuseTheId() {
    table();
    String run = run();
    StepResult first = snapshot(run, "snap");
    StepResult again = snapshot(run, "snap");
    assertEquals(first.outputs(), again.outputs());

    String id = first.outputs().path("snapshotId").asText();
    var refused =
        failure(
            "STEP_FAILED",
            () ->
                rds()
                    .snapshot(
                        request(
                            run(),
                            "snap",
                            "aws.rds.snapshot",
                            "{\"database\": \"platform\", \"snapshotId\": \"" + id + "\"}")));
    assertEquals(
        "snapshot "
            + id
            + " already exists (made by run "
            + run
            + ", step snap): choose another"
            + " identifier",
        refused.getOriginalMessage());
  }

  @Test
  void aSnapshotLetsGoOfTheWorkersPooledSessionsAndWaitsForOthersToLeave() throws Exception {
    String t = table();
    // the SQL steps leave a pooled session on platform
    clean(
        sql()
            .query(
                request(
                    run(),
                    "q",
                    "sql.query",
                    "{\"database\": \"platform\", \"query\": \"SELECT count(*) FROM "
                        + t
                        + "\"}")));
    Connection other = connect("platform"); // someone else's session, gone 1.5 s later
    Thread closer =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
                other.close();
              } catch (Exception e) {
                // the test fails on its own
              }
            });
    closer.start();
    long started = System.nanoTime();
    StepResult result = snapshot(run(), "snap");
    closer.join();

    assertTrue(
        System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(1400),
        "it waited for the other session");
    assertEquals(
        checksum("platform", t), checksum(result.outputs().path("snapshotId").asText(), t));
  }

  @Test
  void aRestoreIsANewDatabaseHoldingTheNewestSnapshotAtOrBeforeTheTime() throws Exception {
    String t = table();
    String run = run();
    String snapshotId = snapshot(run, "snap").outputs().path("snapshotId").asText();
    String before = checksum("platform", t);
    Thread.sleep(20);
    Instant time = Instant.now();
    exec("platform", "UPDATE " + t + " SET total = 0"); // the damage, after the time

    StepResult result = restore(run, "platform-pitr-" + run, time.toString());

    JsonNode out = result.outputs();
    String instance = out.path("instanceId").asText();
    assertEquals("platform-pitr-" + run, instance);
    assertEquals("127.0.0.1", out.path("endpoint").asText());
    assertEquals(LocalCloudFixture.postgres.port(), out.path("port").asInt());
    assertEquals(snapshotId, out.path("restoredFrom").asText());
    assertEquals(before, checksum(instance, t), "the copy holds the snapshot's data");
    assertNotEquals(before, checksum("platform", t), "live is untouched (still damaged)");
    assertEquals("instance available " + run + " " + instance, registry("instance", instance));

    // a retry finds the same instance
    assertEquals(out, restore(run, "platform-pitr-" + run, time.toString()).outputs());
  }

  @Test
  void aRestoreBeforeAnySnapshotFailsAndLatestCopiesTheLiveDatabase() {
    String t = table();
    String run = run();
    var failed =
        failure("STEP_FAILED", () -> restore(run, "platform-old-" + run, "2000-01-01T00:00:00Z"));
    assertTrue(
        failed
            .getOriginalMessage()
            .startsWith("no snapshot of platform (local) taken at or before 2000-01-01T00:00:00Z"),
        failed.getOriginalMessage());
    assertFalse(exists("platform-old-" + run));

    StepResult latest = restore(run, "platform-now-" + run, null);
    assertEquals("latest", latest.outputs().path("restoredFrom").asText());
    assertEquals(checksum("platform", t), checksum("platform-now-" + run, t));
  }

  @Test
  void aRestoreNeverLandsOnALiveOrExistingDatabase() {
    String run = run();
    var source = failure("INVALID_PLAN", () -> restore(run, "platform", null));
    assertEquals(
        "restore target platform is the source platform of local: a point-in-time restore creates"
            + " a NEW instance, never over a live one",
        source.getOriginalMessage());
    failure("INVALID_PLAN", () -> restore(run, "Invoicing", null));
    exec("postgres", "CREATE DATABASE \"someone-elses-" + run + "\"");
    var taken = failure("STEP_FAILED", () -> restore(run, "someone-elses-" + run, null));
    assertTrue(
        taken
            .getOriginalMessage()
            .contains("already exists on the server and the local provider" + " did not make it"),
        taken.getOriginalMessage());
  }

  @Test
  void deleteDropsOnlyARestoreOfThisRunAndARetryIsANoOp() {
    table();
    String run = run();
    String instance =
        restore(run, "platform-del-" + run, null).outputs().path("instanceId").asText();

    var other =
        failure(
            "NOT_OWNED",
            () ->
                rds()
                    .delete(
                        request(
                            run(),
                            "cleanup",
                            "aws.rds.delete",
                            "{\"instance\": \"" + instance + "\"}")));
    assertEquals(
        "instance "
            + instance
            + " was restored by run "
            + run
            + ", not by this run: aws.rds.delete drops only what this run created; refused",
        other.getOriginalMessage());
    var live =
        failure(
            "NOT_OWNED",
            () ->
                rds()
                    .delete(
                        request(run, "cleanup", "aws.rds.delete", "{\"instance\": \"platform\"}")));
    assertTrue(
        live.getOriginalMessage()
            .startsWith("instance platform was not restored by the local" + " provider in local"),
        live.getOriginalMessage());
    assertTrue(exists(instance) && exists("platform"));

    StepResult deleted =
        clean(
            rds()
                .delete(
                    request(
                        run, "cleanup", "aws.rds.delete", "{\"instance\": \"" + instance + "\"}")));
    assertEquals(true, deleted.outputs().path("deleted").asBoolean());
    assertEquals(false, deleted.outputs().path("alreadyDeleted").asBoolean());
    assertFalse(exists(instance));
    assertEquals("instance deleted " + run + " " + instance, registry("instance", instance));

    StepResult again =
        rds()
            .delete(
                request(run, "cleanup", "aws.rds.delete", "{\"instance\": \"" + instance + "\"}"));
    assertEquals(true, again.outputs().path("alreadyDeleted").asBoolean());
  }

  @Test
  void theSqlStepsReachARestoredCopyOfThisRunOnlyAndDeleteClosesTheirSessions() {
    String t = table();
    String run = run();
    String instance =
        restore(run, "platform-sql-" + run, null).outputs().path("instanceId").asText();
    exec(instance, "UPDATE " + t + " SET status = 'copy' WHERE id = 1");
    String query =
        "{\"database\": \"platform\", \"instance\": \""
            + instance
            + "\", \"query\": \"SELECT status FROM "
            + t
            + " WHERE id = 1\"}";

    StepResult read = clean(sql().query(request(run, "extract", "sql.query", query)));
    assertEquals("copy", read.outputs().path("rows").path(0).path(0).asText());
    assertTrue(read.summary().contains("from platform@" + instance), read.summary());
    var notOurs =
        failure("NOT_OWNED", () -> sql().query(request(run(), "extract", "sql.query", query)));
    assertEquals(
        "instance " + instance + " was restored by run " + run + ", not by this run",
        notOurs.getOriginalMessage());

    // the pooled session of the query above does not stop the drop
    rds().delete(request(run, "cleanup", "aws.rds.delete", "{\"instance\": \"" + instance + "\"}"));
    assertFalse(exists(instance));
  }

  @Test
  void rowsOfAQueryBindAsJsonButMaskedValuesAreNeverWrittenBack() {
    String t = table();
    String run = run();
    String change =
        "{\"database\": \"platform\", \"statements\": [\"UPDATE "
            + t
            + " AS x SET status = r.value->>1 FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r"
            + " WHERE x.id = (r.value->>0)::int\"], \"bind\": {\"rows\": %s}, \"expectRows\": 2}";

    var masked =
        failure(
            "GUARD_VIOLATION",
            () ->
                sql()
                    .change(
                        request(
                            run,
                            "m",
                            "sql.change",
                            change.formatted("[[1, \"***\"], [2, \"ok\"]]"))));
    assertTrue(masked.getOriginalMessage().startsWith("a bind value holds ***"));

    StepResult applied =
        clean(
            sql()
                .change(
                    request(
                        run,
                        "ok",
                        "sql.change",
                        change.formatted("[[1, \"fixed\"], [2, \"fixed\"]]"))));
    assertEquals(2, applied.outputs().path("rowsAffected").asInt());
    assertEquals(
        checksum("platform", "(SELECT id FROM " + t + " WHERE id IN (1, 2)) AS f"),
        checksum("platform", "(SELECT id FROM " + t + " WHERE status = 'fixed') AS f"),
        "rows 1 and 2 and only they hold the bound values");
  }

  @Test
  void ec2StepsAreSimulatedAndSecretsGiveAHandleOnly() {
    var ec2 = step(LocalEc2Activities.class);
    StepResult start = ec2.start(request(run(), "jump", "aws.ec2.start", "{}"));
    assertEquals("running", start.outputs().path("state").asText());
    assertEquals(true, start.outputs().path("simulated").asBoolean());
    assertTrue(start.summary().startsWith("simulated on local"), start.summary());
    StepResult allow =
        ec2.allowIngress(request(run(), "open", "aws.ec2.allow-ingress", "{\"port\": 22}"));
    assertEquals("127.0.0.1/32", allow.outputs().path("cidr").asText());
    assertEquals(22, allow.outputs().path("port").asInt());
    assertEquals(false, allow.outputs().path("alreadyPresent").asBoolean());

    var secrets = step(LocalSecretsActivities.class);
    StepResult handle =
        clean(
            secrets.get(
                request(run(), "secret", "aws.secrets.get", "{\"database\": \"platform\"}")));
    assertEquals("local-secret:local/local/platform", handle.outputs().path("handle").asText());
    assertEquals("local/platform", handle.outputs().path("secretId").asText());
    var missing =
        failure(
            "CONFIGURATION",
            () ->
                secrets.get(
                    request(run(), "secret", "aws.secrets.get", "{\"secretId\": \"nope\"}")));
    assertTrue(
        missing.getOriginalMessage().startsWith("no secret nope"), missing.getOriginalMessage());
  }

  @Test
  void aSnapshotRightAfterAFlywayStepDoesNotWaitForTheFlywayStepsSessions() throws Exception {
    LocalCloudFixture.start();
    Files.createDirectories(LocalCloudFixture.migrations.resolve("none"));
    LocalCloudFixture.step(FlywayMigrations.class)
        .info(
            request(
                "flyway-then-snapshot",
                "before",
                "flyway.info",
                "{\"database\": \"platform\", \"locations\": [\"none\"]}"));
    long started = System.nanoTime();
    // PostgreSQL copies a database only while nobody is connected: the Flyway pool lets go too
    StepResult result = snapshot("flyway-then-snapshot", "snapshot");
    assertTrue(result.summary().startsWith("snapshot "), result.summary());
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10),
        "the copy waited for the Flyway step's idle session");
  }
}
