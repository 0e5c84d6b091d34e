package dev.runbook.worker.local.cloud;

import static dev.runbook.worker.local.cloud.LocalCloudFixture.checksum;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.exec;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.exists;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.registry;
import static dev.runbook.worker.local.cloud.LocalCloudFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.StepTestEnvironment;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The catalog runbooks run on {@code local} end to end ({@code snapshot}, {@code pitr-rollback},
 * {@code emergency-data-fix}, {@code table-export}, {@code schema-migration} then {@code
 * migration-repair}): the real interpreter (time-skipping test server), the real SQL and Flyway
 * steps and the local cloud provider on the embedded PostgreSQL, gates decided by a second person.
 * Their rehearsals with given step outputs are the engine's CatalogRehearsalTest; db-access runs
 * for real in the SSH tests.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LocalRehearsalTest {
  private static final Path RUNBOOKS = Path.of("..", "runbooks");
  private static final AtomicInteger N = new AtomicInteger();
  private TestWorkflowEnvironment env;

  @BeforeEach
  void start() {
    LocalCloudFixture.start();
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-local")
        .registerActivitiesImplementations(LocalCloudFixture.steps.toArray());
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** invoices_<n> in invoicing: 1 (10.00), 2 (20.50), 3 (7.25). */
  private static String invoices() {
    String t = "invoices_" + N.incrementAndGet();
    exec(
        "invoicing",
        "CREATE TABLE " + t + " (id integer PRIMARY KEY, customer text, total numeric(10,2))",
        "INSERT INTO "
            + t
            + " VALUES (1, 'acme', 10.00), (2, 'globex', 20.50), (3, 'initech', 7.25)");
    return t;
  }

  private static Plan plan(String file, Map<String, String> params) {
    ValidatedRunbook runbook = Workspace.runbook(RUNBOOKS.resolve(file)).value().orElseThrow();
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(LocalCloudFixture.ENVIRONMENTS, problems);
    PlanCompiler.Result result = PlanCompiler.compile(runbook, envs, "local", params);
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(String id, Plan plan, String ticket) {
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", ticket));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
  }

  private static RunView result(RunbookWorkflow wf) {
    try {
      return WorkflowStub.fromTyped(wf).getResult(120, TimeUnit.SECONDS, RunView.class);
    } catch (java.util.concurrent.TimeoutException e) {
      return fail("the run did not end: " + wf.view());
    }
  }

  private static GateView awaitGate(RunbookWorkflow wf, String gate) throws InterruptedException {
    for (int i = 0; i < 3000; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail("run ended as " + view.status() + ": " + view.failure());
      }
      Thread.sleep(20);
    }
    return fail("gate " + gate + " did not open");
  }

  private static StepRecord step(RunView view, String id) {
    return view.steps().stream().filter(s -> s.stepId().equals(id)).findFirst().orElseThrow();
  }

  private void assertNoPassword(String runId) {
    String history = env.getWorkflowClient().fetchHistory(runId).toString();
    assertFalse(history.contains(LocalCloudFixture.password()), "the password is in the history");
  }

  /** Runs snapshot.yaml for invoicing; returns the snapshot id. */
  private String snapshotRun(String ticket) {
    String runId = "snapshot-local-" + ticket;
    Plan plan = plan("snapshot.yaml", Map.of("database", "invoicing", "ticket", ticket));
    RunView view = result(launch(runId, plan, ticket));

    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    String id = CloudNames.identifier("invoicing-snapshot-" + runId);
    assertTrue(step(view, "snapshot").summary().startsWith("snapshot " + id + " of invoicing"));
    assertEquals("holds", step(view, "available").summary());
    assertTrue(
        LocalCloudFixture.notifications.stream()
            .anyMatch(
                n ->
                    n.endsWith(
                        ticket
                            + ": snapshot "
                            + id
                            + " of invoicing (local) is available:"
                            + " arn:local:rds:local:000000000000:snapshot:"
                            + id)),
        LocalCloudFixture.notifications.toString());
    assertNoPassword(runId);
    return id;
  }

  @Test
  void theSnapshotRunbookCopiesTheDatabaseAndReportsIt() {
    String t = invoices();
    String before = checksum("invoicing", t);
    String id = snapshotRun("OPS-" + (100 + N.incrementAndGet()));

    assertTrue(exists(id));
    assertEquals(before, checksum(id, t), "the snapshot holds the same rows");
    assertTrue(registry("snapshot", id).startsWith("snapshot available snapshot-local-OPS-"));
  }

  private Map<String, String> pitrParams(String t, Instant restoreTo, String ticket) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "invoicing");
    params.put("restoreTo", restoreTo.toString());
    params.put("extract", "SELECT id, total FROM " + t + " WHERE id = ANY(CAST(:ids AS int[]))");
    params.put("bind", "{\"ids\": \"{1,2}\"}");
    params.put(
        "apply",
        "UPDATE "
            + t
            + " AS i SET total = (r.value->>1)::numeric FROM"
            + " jsonb_array_elements(CAST(:rows AS jsonb)) AS r WHERE i.id = (r.value->>0)::int");
    params.put(
        "verify",
        "SELECT i.id FROM "
            + t
            + " AS i JOIN jsonb_array_elements(CAST(:rows AS jsonb)) AS r ON i.id ="
            + " (r.value->>0)::int WHERE i.total IS DISTINCT FROM (r.value->>1)::numeric");
    params.put("ticket", ticket);
    return params;
  }

  /** A snapshot, then the damage: invoices 1 and 2 zeroed. Returns the time between them. */
  private Instant snapshotThenDamage(String t) throws InterruptedException {
    snapshotRun("OPS-" + (100 + N.incrementAndGet()));
    Thread.sleep(1100); // restoreTo is whole seconds: after the snapshot, before the damage
    Instant restoreTo = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Thread.sleep(50);
    exec("invoicing", "UPDATE " + t + " SET total = 0 WHERE id IN (1, 2)");
    return restoreTo;
  }

  @Test
  void thePitrRollbackRestoresACopyShowsTheDiffAppliesTheRowsToLiveAndDeletesTheCopy()
      throws Exception {
    String t = invoices();
    String good = checksum("invoicing", t);
    Instant restoreTo = snapshotThenDamage(t);
    String ticket = "OPS-" + (200 + N.incrementAndGet());
    String runId = "pitr-rollback-local-" + ticket;
    String instance = CloudNames.identifier("invoicing-pitr-" + ticket);
    Plan plan = plan("pitr-rollback.yaml", pitrParams(t, restoreTo, ticket));
    RunbookWorkflow wf = launch(runId, plan, ticket);

    GateView gate = awaitGate(wf, "local/apply");
    assertTrue(exists(instance), "the restored copy exists while the gate is open");
    JsonNode preview = gate.shows().path("apply").path("preview");
    assertEquals(2, preview.path("previewRows").asInt());
    JsonNode diff = preview.path("diff");
    assertEquals(2, diff.size());
    assertEquals(0, diff.path(0).path("before").path("total").asDouble());
    assertEquals(10.0, diff.path(0).path("after").path("total").asDouble());
    assertEquals(20.5, diff.path(1).path("after").path("total").asDouble());
    assertTrue(gate.message().contains("back to LIVE invoicing (local)"), gate.message());

    wf.decide(
        new ApprovalDecision("local/apply", "bob", Decision.APPROVE, "rows match", plan.hash()));
    RunView view = result(wf);

    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    assertEquals(good, checksum("invoicing", t), "live holds the rows as they were");
    assertFalse(exists(instance), "the restored copy is gone");
    assertEquals("instance deleted " + runId + " " + instance, registry("instance", instance));
    assertTrue(step(view, "restore").summary().contains("to the NEW database " + instance));
    assertTrue(step(view, "extract").summary().startsWith("2 rows from invoicing@" + instance));
    assertTrue(
        step(view, "apply").summary().startsWith("2 rows changed in"),
        step(view, "apply").summary());
    assertEquals(
        "deleted instance " + instance + ": dropped database " + instance + " (local)",
        step(view, "cleanup").summary());
    assertEquals(List.of(), view.compensations());
    Path kept = LocalCloudFixture.exports.resolve(Path.of("exports", runId, "keep.csv"));
    assertEquals(List.of("id,total", "1,10.00", "2,20.50"), Files.readAllLines(kept));
    assertNoPassword(runId);
  }

  @Test
  void aRejectedPitrRollbackChangesNothingOnLiveAndItsUndoDeletesTheCopy() throws Exception {
    String t = invoices();
    Instant restoreTo = snapshotThenDamage(t);
    String damaged = checksum("invoicing", t);
    String ticket = "OPS-" + (300 + N.incrementAndGet());
    String runId = "pitr-rollback-local-" + ticket;
    String instance = CloudNames.identifier("invoicing-pitr-" + ticket);
    Plan plan = plan("pitr-rollback.yaml", pitrParams(t, restoreTo, ticket));
    RunbookWorkflow wf = launch(runId, plan, ticket);

    awaitGate(wf, "local/apply");
    wf.decide(
        new ApprovalDecision("local/apply", "bob", Decision.REJECT, "wrong rows", plan.hash()));
    RunView view = result(wf);

    assertEquals(RunStatus.REJECTED, view.status());
    assertEquals(damaged, checksum("invoicing", t), "live is unchanged");
    assertFalse(exists(instance), "the undo dropped the restored copy");
    List<CompensationRecord> undos = view.compensations();
    assertEquals(1, undos.size());
    assertEquals("aws.rds.delete", undos.get(0).uses());
    assertEquals("restore", undos.get(0).forStep());
    assertTrue(
        undos.get(0).message().startsWith("deleted instance " + instance), undos.get(0).message());
    assertEquals("rejected by bob at gate local/apply: wrong rows", step(view, "apply").summary());
    assertTrue(view.steps().stream().noneMatch(s -> s.stepId().equals("cleanup")));
    assertNoPassword(runId);
  }

  // ------------------------------------------------------------------------ emergency-data-fix

  /** Adds 5 to invoice 2 (20.50): not idempotent, so a second apply would show. */
  private static Map<String, String> fixParams(String t, String ticket) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "invoicing");
    params.put("change", "UPDATE " + t + " SET total = total + :delta WHERE id = :id");
    params.put("bind", "{\"delta\": 5, \"id\": 2}");
    params.put("expectRows", "1");
    params.put("verify", "SELECT id FROM " + t + " WHERE id = :id AND total <> 20.50 + :delta");
    params.put("ticket", ticket);
    return params;
  }

  private static String total(String t, int id) {
    return scalar("invoicing", "SELECT total FROM " + t + " WHERE id = " + id);
  }

  @Test
  void theEmergencyDataFixShowsThePreviewAtTheGateThenBacksUpAppliesOnceAndVerifies()
      throws Exception {
    String t = invoices();
    String ticket = "OPS-" + (400 + N.incrementAndGet());
    String runId = "emergency-data-fix-local-" + ticket;
    Plan plan = plan("emergency-data-fix.yaml", fixParams(t, ticket));
    RunbookWorkflow wf = launch(runId, plan, ticket);

    GateView gate = awaitGate(wf, "local/fix");
    JsonNode preview = gate.shows().path("fix").path("preview");
    assertEquals(1, preview.path("previewRows").asInt(), preview.toString());
    assertEquals(20.5, preview.path("diff").path(0).path("before").path("total").asDouble());
    assertEquals(25.5, preview.path("diff").path(0).path("after").path("total").asDouble());
    assertEquals("20.50", total(t, 2), "the preview was rolled back");
    assertTrue(gate.message().startsWith(ticket + ": 1 row(s) on invoicing (local)"));
    wf.decide(new ApprovalDecision("local/fix", "bob", Decision.APPROVE, "ok", plan.hash()));
    RunView view = result(wf);

    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    assertEquals("25.50", total(t, 2), "changed once");
    assertEquals("10.00", total(t, 1));
    assertEquals("7.25", total(t, 3));
    String summary = step(view, "fix").summary();
    Matcher backup = Pattern.compile(", verified, backup (rb_bk_\\w+); committed").matcher(summary);
    assertTrue(summary.startsWith("1 row changed in ") && backup.find(), summary);
    String schema =
        scalar(
            "invoicing",
            "SELECT schemaname FROM pg_tables WHERE tablename = '" + backup.group(1) + "'");
    assertEquals(
        "2 20.50",
        scalar("invoicing", "SELECT id || ' ' || total FROM " + schema + "." + backup.group(1)),
        "the backup holds the row as it was");
    assertEquals(
        StepOutcome.SKIPPED,
        view.steps().stream()
            .filter(s -> s.stepId().equals("snapshot"))
            .map(StepRecord::outcome)
            .findFirst()
            .orElse(StepOutcome.SKIPPED),
        "the snapshot is for prod only");
    assertTrue(
        LocalCloudFixture.notifications.stream()
            .anyMatch(
                n ->
                    n.endsWith(
                        "emergency-data-fix " + ticket + " on invoicing (local): completed")),
        LocalCloudFixture.notifications.toString());
    assertNoPassword(runId);
  }

  @Test
  void anEmergencyFixWhoseRowsChangedAfterThePreviewIsRefusedAndChangesNothing() throws Exception {
    String t = invoices();
    String ticket = "OPS-" + (500 + N.incrementAndGet());
    String runId = "emergency-data-fix-local-" + ticket;
    Plan plan = plan("emergency-data-fix.yaml", fixParams(t, ticket));
    RunbookWorkflow wf = launch(runId, plan, ticket);

    awaitGate(wf, "local/fix");
    exec("invoicing", "UPDATE " + t + " SET total = 99 WHERE id = 2"); // someone else, meanwhile
    wf.decide(new ApprovalDecision("local/fix", "bob", Decision.APPROVE, "ok", plan.hash()));
    RunView view = result(wf);

    assertEquals(RunStatus.FAILED, view.status());
    assertTrue(view.failure().contains("the rows changed since the preview"), view.failure());
    assertEquals("99.00", total(t, 2), "the approved change was not applied over the new value");
    assertNoPassword(runId);
  }

  // ------------------------------------------------------------------------------ table-export

  @Test
  void theTableExportWritesTheFilteredRowsToAFileAndReportsItsRowCountAndChecksum()
      throws Exception {
    String t = invoices();
    String ticket = "OPS-" + (600 + N.incrementAndGet());
    String runId = "table-export-local-" + ticket;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "invoicing");
    params.put("query", "SELECT id, customer, total FROM " + t + " WHERE total > :min ORDER BY id");
    params.put("bind", "{\"min\": 8}");
    params.put("ticket", ticket);
    RunView view = result(launch(runId, plan("table-export.yaml", params), ticket));

    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    assertEquals(StepOutcome.SKIPPED, step(view, "approve").outcome(), "local asks no approval");
    Path file =
        LocalCloudFixture.exports.toAbsolutePath().resolve(Path.of("exports", runId, "export.csv"));
    assertEquals(
        List.of("id,customer,total", "1,acme,10.00", "2,globex,20.50"), Files.readAllLines(file));
    String sha256 =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    String report =
        ticket
            + ": 2 row(s) of invoicing (local) exported to "
            + file
            + " on the worker, sha256 "
            + sha256;
    assertTrue(
        LocalCloudFixture.notifications.stream().anyMatch(n -> n.endsWith(report)),
        report + " in " + LocalCloudFixture.notifications);
    assertNoPassword(runId);
  }

  @Test
  void theTableExportMasksTheEnvironmentsSensitiveColumnsInTheFile() throws Exception {
    exec(
        "platform",
        "CREATE TABLE users (id integer PRIMARY KEY, name text, email text)",
        "INSERT INTO users VALUES (1, 'ann', 'ann@example.com'), (2, 'bo', 'bo@example.com')");
    String ticket = "OPS-" + (650 + N.incrementAndGet());
    String runId = "table-export-local-" + ticket;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "platform");
    params.put("query", "SELECT id, name, email FROM users ORDER BY id");
    params.put("format", "json");
    params.put("ticket", ticket);
    RunView view = result(launch(runId, plan("table-export.yaml", params), ticket));

    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    Path file =
        LocalCloudFixture.exports
            .toAbsolutePath()
            .resolve(Path.of("exports", runId, "export.json"));
    assertEquals(
        LocalCloudFixture.json(
            "[{\"id\": 1, \"name\": \"ann\", \"email\": \"***\"},"
                + " {\"id\": 2, \"name\": \"bo\", \"email\": \"***\"}]"),
        LocalCloudFixture.json(Files.readString(file)),
        "users.email is a sensitive column of local/platform");
    assertNoPassword(runId);
  }

  // ------------------------------------------------- schema-migration, then migration-repair

  private static void migration(String name, String text) throws IOException {
    Path dir = LocalCloudFixture.migrations.resolve("platform");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name), text);
  }

  private static long history(String where) {
    return Long.parseLong(
        scalar("platform", "SELECT count(*) FROM flyway_schema_history WHERE " + where));
  }

  private static boolean column(String table, String column) {
    return !"0"
        .equals(
            scalar(
                "platform",
                "SELECT count(*) FROM information_schema.columns WHERE table_name = '"
                    + table
                    + "' AND column_name = '"
                    + column
                    + "'"));
  }

  /** The database the run's {@code snapshot} step made (its summary names it first). */
  private static String snapshotOf(RunView view) {
    Matcher id = Pattern.compile("^snapshot (\\S+) of ").matcher(step(view, "snapshot").summary());
    assertTrue(id.find(), step(view, "snapshot").summary());
    return id.group(1);
  }

  @Test
  void schemaMigrationSnapshotsAndAppliesTheSamplesAndTheRepairRunbookFindsNothingToRepair()
      throws Exception {
    try (Stream<Path> samples = Files.list(Path.of("..", "runbooks", "migrations", "platform"))) {
      for (Path sample : samples.toList()) {
        migration(sample.getFileName().toString(), Files.readString(sample));
      }
    }
    Plan plan = plan("schema-migration.yaml", Map.of("database", "platform", "ticket", "OPS-701"));
    RunbookWorkflow wf = launch("schema-migration-local-OPS-701", plan, "OPS-701");
    GateView gate = awaitGate(wf, "local/review");
    assertTrue(
        gate.shows().findValues("pending").stream().anyMatch(p -> p.size() == 2),
        "the gate shows both pending migrations: " + gate.shows());
    assertFalse(column("accounts", "id"), "nothing applied before the review");
    wf.decide(new ApprovalDecision("local/review", "bob", Decision.APPROVE, "ok", plan.hash()));
    RunView first = result(wf);

    assertEquals(RunStatus.COMPLETED, first.status(), first.failure());
    assertEquals("2 migrations applied to platform: empty -> 2", step(first, "migrate").summary());
    assertEquals("platform at version 2, 2 applied, 0 pending", step(first, "after").summary());
    assertEquals(2, history("success AND version IS NOT NULL"));
    assertTrue(column("accounts", "status"));
    String snapshot = snapshotOf(first);
    assertTrue(exists(snapshot), "the snapshot is a real copy");
    assertEquals(
        "0",
        scalar(
            snapshot,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'accounts'"),
        "taken before the migration");

    // PostgreSQL rolled a failed migration back whole: the repair runbook only reads the history
    String runId = "migration-repair-local-OPS-702";
    RunView repair =
        result(
            launch(
                runId,
                plan("migration-repair.yaml", Map.of("database", "platform", "ticket", "OPS-702")),
                "OPS-702"));
    assertEquals(RunStatus.COMPLETED, repair.status(), repair.failure());
    assertEquals(StepOutcome.SKIPPED, step(repair, "snapshot").outcome());
    assertEquals(StepOutcome.SKIPPED, step(repair, "repair").outcome());
    assertEquals("platform at version 2, 2 applied, 0 pending", step(repair, "verify").summary());
    assertEquals(0, history("NOT success"));
    assertNoPassword(runId);
  }
}
