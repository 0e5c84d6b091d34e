package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rehearsals of the seven catalog runbooks ({@code runbooks/*.yaml} with the shipped environment
 * files): the real interpreter on the time-skipping test server, step activities that return the
 * outputs a test gives ({@link FakeActivities#given}), and for each case the expected sequence of
 * step calls, gates and the outcome. The same runbooks run for real on {@code local} in the
 * worker's tests (LocalRehearsalTest, MigrationRunbooksWorkflowTest).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CatalogRehearsalTest {
  private static final Path CATALOG = Path.of("..", "runbooks");
  private static final ObjectMapper JSON = new ObjectMapper();
  private WorkflowHarness harness;

  @BeforeEach
  void start() {
    harness = new WorkflowHarness();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // ------------------------------------------------------------------------------------ helpers

  private static Plan plan(String file, String env, Map<String, String> params) {
    Validation<ValidatedRunbook> runbook = Workspace.runbook(CATALOG.resolve(file));
    assertEquals(List.of(), runbook.diagnostics(), file);
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(CATALOG.resolve("environments"), problems);
    assertEquals(List.of(), problems);
    PlanCompiler.Result result =
        PlanCompiler.compile(runbook.value().orElseThrow(), envs, env, params);
    assertEquals(List.of(), result.diagnostics(), file);
    return result.plan().orElseThrow();
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Gives {@code step} (in every environment) these outputs. */
  private void given(String step, String outputs) {
    harness.activities.given.put(step, json(outputs));
  }

  private RunbookWorkflow launch(Plan plan) {
    return harness.start(plan.runbook().name() + "-" + plan.target(), plan, "carol");
  }

  /** The gate opens; {@code who} approves it. Returns what the gate showed. */
  private static GateView approve(RunbookWorkflow wf, String gate, String who, Plan plan) {
    GateView open = WorkflowHarness.awaitGate(wf, gate);
    wf.decide(new ApprovalDecision(gate, who, Decision.APPROVE, "checked", plan.hash()));
    return open;
  }

  /** Each step the run recorded as "env/step outcome". */
  private static List<String> steps(RunView view) {
    return view.steps().stream()
        .map(s -> s.environment() + "/" + s.stepId() + " " + s.outcome())
        .toList();
  }

  /** The runbook's own step calls, in order (the interpreter's automatic notices left out). */
  private List<String> calls() {
    return harness.activities.calls.stream().filter(c -> !c.contains(":notify:notice/")).toList();
  }

  /** The texts of the runbook's notify steps, in order. */
  private List<String> notices() {
    return harness.activities.requests.stream()
        .filter(r -> r.uses().equals("notify") && !isAutomatic(r))
        .map(r -> r.with().path("text").asText())
        .toList();
  }

  /** The events of the interpreter's automatic notices, in order (stage and prod send them). */
  private List<String> automaticNotices() {
    return harness.activities.requests.stream()
        .filter(CatalogRehearsalTest::isAutomatic)
        .map(r -> r.environment() + ":" + r.with().path("event").asText())
        .toList();
  }

  private static boolean isAutomatic(StepRequest r) {
    return r.uses().equals("notify") && r.stepId().startsWith("notice/");
  }

  private StepRequest request(String key) {
    int i = harness.activities.calls.indexOf(key);
    assertTrue(i >= 0, key + " not called: " + calls());
    return harness.activities.requests.get(i);
  }

  private static Map<String, String> params(String... keyValues) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      out.put(keyValues[i], keyValues[i + 1]);
    }
    return out;
  }

  // ------------------------------------------------------------------------------- db-access

  @Test
  void dbAccessInProdIsApprovedThenOpensTheJumpBoxHoldsTheLeaseAndClosesItAgain() {
    Plan plan =
        plan(
            "db-access.yaml",
            "prod",
            params("database", "platform", "cidr", "203.0.113.7/32", "ttl", "1h"));
    assertEquals(1, plan.stages().size(), "independent: prod alone");
    RunbookWorkflow wf = launch(plan);

    GateView gate = approve(wf, "prod/approve", "alice", plan);
    assertTrue(gate.message().contains("access to platform (prod) from 203.0.113.7/32"));
    LeaseWorkflowTest.awaitLease(wf, "carol");
    wf.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "carol", 0));
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertEquals(
        List.of(
            "prod:aws.ec2.start:start_jump",
            "prod:aws.ec2.allow-ingress:allow_me",
            "prod:ssh.tunnel:check_path",
            "prod:aws.ec2.revoke-ingress:revoke_me",
            "prod:aws.ec2.stop:stop_jump",
            "prod:notify:report"),
        calls());
    assertEquals(List.of("prod:approval-needed", "prod:completed"), automaticNotices());
    assertEquals(
        "sg-0123456789abcdef0",
        request("prod:aws.ec2.revoke-ingress:revoke_me").with().path("securityGroup").asText());
    assertEquals(
        "i-0123456789abcdef0",
        request("prod:aws.ec2.stop:stop_jump").with().path("instance").asText());
  }

  @Test
  void dbAccessOnStageNeedsNoApprovalAndARejectedProdRequestNeverStartsTheJumpBox() {
    Plan stage =
        plan("db-access.yaml", "stage", params("database", "invoicing", "cidr", "198.51.100.2/32"));
    RunbookWorkflow wf = launch(stage);
    LeaseWorkflowTest.awaitLease(wf, "carol");
    wf.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "carol", 0));
    RunView end = WorkflowHarness.result(wf);
    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertTrue(steps(end).contains("stage/approve SKIPPED"), steps(end).toString());
    assertEquals("stage:aws.ec2.start:start_jump", calls().get(0));

    harness.activities.calls.clear();
    Plan prod =
        plan("db-access.yaml", "prod", params("database", "invoicing", "cidr", "198.51.100.2/32"));
    RunbookWorkflow refused = launch(prod);
    WorkflowHarness.awaitGate(refused, "prod/approve");
    refused.decide(
        new ApprovalDecision("prod/approve", "bob", Decision.REJECT, "no ticket", prod.hash()));
    RunView rejected = WorkflowHarness.result(refused);
    assertEquals(RunStatus.REJECTED, rejected.status());
    assertEquals(List.of("prod:notify:report"), calls());
  }

  // ---------------------------------------------------------------------- emergency-data-fix

  private static Map<String, String> fixParams() {
    return params(
        "database", "invoicing",
        "change", "UPDATE invoices SET total = :total WHERE id = :id",
        "bind", "{\"total\": 10, \"id\": 7}",
        "expectRows", "1",
        "verify", "SELECT id FROM invoices WHERE id = :id AND total <> :total",
        "ticket", "OPS-1");
  }

  @Test
  void emergencyDataFixPreviewsGetsTheLeadsApprovalAppliesOnStageThenPromotesToProd() {
    Plan plan = plan("emergency-data-fix.yaml", "prod", fixParams());
    RunbookWorkflow wf = launch(plan);

    GateView stageGate = approve(wf, "stage/fix", "alice", plan);
    assertEquals(1, stageGate.shows().path("fix").path("preview").path("previewRows").asInt());
    assertTrue(stageGate.message().startsWith("OPS-1: 1 row(s) on invoicing (stage)"));
    approve(wf, "promote@prod", "alice", plan);
    approve(wf, "prod/fix", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertEquals(
        List.of(
            "stage:sql.change:fix@preview",
            "stage:sql.change:fix@apply",
            "prod:aws.rds.snapshot:snapshot",
            "prod:sql.change:fix@preview",
            "prod:sql.change:fix@apply",
            "prod:notify:notify"),
        calls());
    StepRequest apply = request("prod:sql.change:fix@apply");
    assertEquals(1, apply.with().path("expectRows").asInt());
    assertTrue(apply.with().path("backup").asBoolean());
    assertEquals("preview-fix", apply.approvedPreview().path("previewHash").asText());
    assertEquals(List.of("emergency-data-fix OPS-1 on invoicing (prod): completed"), notices());
  }

  @Test
  void emergencyDataFixFailingInProdEndsFailedAfterStageAndStillNotifies() {
    harness.activities.failing.add("prod:sql.change:fix@apply");
    Plan plan = plan("emergency-data-fix.yaml", "prod", fixParams());
    RunbookWorkflow wf = launch(plan);
    approve(wf, "stage/fix", "alice", plan);
    approve(wf, "promote@prod", "alice", plan);
    approve(wf, "prod/fix", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.FAILED, end.status());
    assertTrue(steps(end).contains("prod/fix FAILED"), steps(end).toString());
    assertTrue(steps(end).contains("stage/fix COMPLETED"), steps(end).toString());
    assertEquals(List.of("emergency-data-fix OPS-1 on invoicing (prod): failed"), notices());
  }

  // -------------------------------------------------------------------------------- snapshot

  @Test
  void snapshotTakesReportsAndPromotesFromStageToProd() {
    Plan plan = plan("snapshot.yaml", "prod", params("database", "platform", "ticket", "OPS-2"));
    RunbookWorkflow wf = launch(plan);
    approve(wf, "promote@prod", "alice", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertEquals(
        List.of(
            "stage:aws.rds.snapshot:snapshot",
            "stage:notify:report",
            "prod:aws.rds.snapshot:snapshot",
            "prod:notify:report",
            "prod:notify:finally_1"),
        calls());
    assertEquals(
        "OPS-2: snapshot prod-platform-snapshot of platform (prod) is available:"
            + " arn:aws:rds:eu-west-1:123456789012:snapshot:prod-platform-snapshot",
        notices().get(1));
  }

  @Test
  void aSnapshotThatIsNotAvailableFailsTheCheckAndIsNotReported() {
    given("snapshot", "{\"snapshotId\": \"snap-ops-2\", \"status\": \"failed\"}");
    Plan plan = plan("snapshot.yaml", "stage", params("database", "platform", "ticket", "OPS-2"));
    RunView end = WorkflowHarness.result(launch(plan));

    assertEquals(RunStatus.FAILED, end.status());
    assertEquals("step available: snapshot snap-ops-2 is failed", end.failure());
    assertEquals(
        List.of("stage/snapshot COMPLETED", "stage/available FAILED"), steps(end).subList(0, 2));
    assertEquals(2, calls().size(), calls().toString());
    assertTrue(notices().get(0).endsWith("(stage): failed"), notices().toString());
  }

  // --------------------------------------------------------------------------- pitr-rollback

  private static Map<String, String> pitrParams() {
    return params(
        "database",
        "invoicing",
        "restoreTo",
        "2026-11-21T08:00:00Z",
        "extract",
        "SELECT id, total FROM invoices WHERE id = ANY(:ids)",
        "bind",
        "{\"ids\": \"{1,2}\"}",
        "apply",
        "UPDATE invoices AS i SET total = (r.value->>1)::numeric FROM"
            + " jsonb_array_elements(CAST(:rows AS jsonb)) AS r WHERE i.id = (r.value->>0)::bigint",
        "verify",
        "SELECT i.id FROM invoices AS i JOIN jsonb_array_elements(CAST(:rows AS jsonb)) AS r"
            + " ON i.id = (r.value->>0)::bigint WHERE i.total <> (r.value->>1)::numeric",
        "ticket",
        "OPS-3");
  }

  @Test
  void pitrRollbackRestoresExtractsKeepsAppliesAfterReviewAndDeletesTheCopy() {
    given("extract", "{\"rowCount\": 2, \"truncated\": false, \"rows\": [[1, 10.0], [2, 20.5]]}");
    Plan plan = plan("pitr-rollback.yaml", "stage", pitrParams());
    RunbookWorkflow wf = launch(plan);
    GateView gate = approve(wf, "stage/apply", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertTrue(gate.message().contains("write 2 row(s) restored to 2026-11-21T08:00:00Z"));
    assertEquals(
        List.of(
            "stage:aws.rds.restore-pitr:restore",
            "stage:sql.query:extract",
            "stage:sql.export:keep",
            "stage:sql.change:apply@preview",
            "stage:sql.change:apply@apply",
            "stage:aws.rds.delete:cleanup",
            "stage:notify:report"),
        calls());
    assertEquals(
        "invoicing-pitr-OPS-3",
        request("stage:sql.query:extract").with().path("instance").asText());
    StepRequest apply = request("stage:sql.change:apply@apply");
    assertEquals(2, apply.with().path("expectRows").asInt());
    assertEquals("[[1,10.0],[2,20.5]]", apply.with().path("bind").path("rows").toString());
    assertEquals(List.of(), end.compensations());
  }

  @Test
  void aTruncatedExtractStopsBeforeLiveIsTouchedAndTheUndoDeletesTheRestoredCopy() {
    given("extract", "{\"rowCount\": 1000, \"truncated\": true, \"rows\": []}");
    Plan plan = plan("pitr-rollback.yaml", "stage", pitrParams());
    RunView end = WorkflowHarness.result(launch(plan));

    assertEquals(RunStatus.FAILED, end.status());
    assertTrue(
        end.failure()
            .startsWith("step complete: the extract returned 1000 row(s), truncated: true;"),
        end.failure());
    assertTrue(calls().stream().noneMatch(c -> c.contains("sql.change")), calls().toString());
    assertEquals(1, end.compensations().size());
    assertEquals("aws.rds.delete", end.compensations().get(0).uses());
    assertEquals("restore", end.compensations().get(0).forStep());
  }

  // ------------------------------------------------------------------------ schema-migration

  @Test
  void schemaMigrationSnapshotsChecksReviewsMigratesStageThenProd() {
    Plan plan =
        plan("schema-migration.yaml", "prod", params("database", "platform", "ticket", "OPS-4"));
    RunbookWorkflow wf = launch(plan);
    approve(wf, "stage/review", "alice", plan);
    approve(wf, "promote@prod", "alice", plan);
    approve(wf, "prod/review", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    List<String> perEnvironment =
        List.of(
            "aws.rds.snapshot:snapshot",
            "flyway.info:before",
            "flyway.validate:valid",
            "flyway.migrate:migrate",
            "flyway.info:after");
    List<String> expected = new ArrayList<>();
    perEnvironment.forEach(c -> expected.add("stage:" + c));
    perEnvironment.forEach(c -> expected.add("prod:" + c));
    expected.add("prod:notify:notify");
    assertEquals(expected, calls());
    assertEquals("latest", request("prod:flyway.migrate:migrate").with().path("target").asText());
  }

  @Test
  void schemaMigrationRefusesAHistoryWithAFailedMigrationBeforeTheReview() {
    given("before", "{\"failed\": {\"version\": \"3\", \"script\": \"V3__x.sql\"}}");
    Plan plan =
        plan("schema-migration.yaml", "stage", params("database", "platform", "ticket", "OPS-4"));
    RunView end = WorkflowHarness.result(launch(plan));

    assertEquals(RunStatus.FAILED, end.status());
    assertTrue(end.failure().contains("see runbooks/migration-repair.yaml"), end.failure());
    assertTrue(steps(end).contains("stage/clean_history FAILED"), steps(end).toString());
    assertTrue(calls().stream().noneMatch(c -> c.contains("flyway.migrate")), calls().toString());
  }

  // ------------------------------------------------------------------------ migration-repair

  private static Map<String, String> repairParams() {
    return params(
        "database", "invoicing",
        "ticket", "OPS-5",
        "revert", "ALTER TABLE invoices DROP COLUMN paid_at");
  }

  @Test
  void migrationRepairRevertsRepairsAndReappliesTheFailedVersionAfterReview() {
    given("stage:detect", "{\"failed\": {\"version\": \"3\", \"script\": \"V3__a.sql\"}}");
    Plan plan = plan("migration-repair.yaml", "stage", repairParams());
    RunbookWorkflow wf = launch(plan);
    GateView gate = approve(wf, "stage/review", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertTrue(gate.message().contains("ALTER TABLE invoices DROP COLUMN paid_at"));
    assertEquals(
        List.of(
            "stage:flyway.info:detect",
            "stage:aws.rds.snapshot:snapshot",
            "stage:flyway.repair:repair",
            "stage:flyway.migrate:migrate",
            "stage:flyway.info:verify",
            "stage:notify:notify"),
        calls());
    StepRequest repair = request("stage:flyway.repair:repair");
    assertEquals("3", repair.with().path("version").asText());
    assertEquals(
        "[\"ALTER TABLE invoices DROP COLUMN paid_at\"]", repair.with().path("revert").toString());
  }

  @Test
  void migrationRepairWithoutAFailedMigrationOnlyReadsTheHistory() {
    Plan plan = plan("migration-repair.yaml", "stage", repairParams());
    RunView end = WorkflowHarness.result(launch(plan));

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertEquals(
        List.of("stage:flyway.info:detect", "stage:flyway.info:verify", "stage:notify:notify"),
        calls());
    assertTrue(steps(end).contains("stage/review SKIPPED"), steps(end).toString());
  }

  @Test
  void migrationRepairFailsWhenTheHistoryStillHasAFailedMigrationAfterwards() {
    given("detect", "{\"failed\": {\"version\": \"3\", \"script\": \"V3__a.sql\"}}");
    given("verify", "{\"failed\": {\"version\": \"3\", \"script\": \"V3__a.sql\"}}");
    Plan plan = plan("migration-repair.yaml", "stage", repairParams());
    RunbookWorkflow wf = launch(plan);
    approve(wf, "stage/review", "bob", plan);
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.FAILED, end.status());
    assertTrue(end.failure().contains("still has a failed migration"), end.failure());
  }

  // ---------------------------------------------------------------------------- table-export

  private static Map<String, String> exportParams() {
    return params(
        "database", "invoicing",
        "query", "SELECT id, customer, total FROM invoices WHERE total > :min ORDER BY id",
        "bind", "{\"min\": 5}",
        "ticket", "OPS-6");
  }

  @Test
  void tableExportOnStageSamplesExportsAndReportsRowCountAndChecksumWithoutApproval() {
    given(
        "export",
        "{\"path\": \"/srv/runbook/exports/x/export.csv\", \"rowCount\": 3,"
            + " \"sha256\": \"9f86d081884c7d65\"}");
    Plan plan = plan("table-export.yaml", "stage", exportParams());
    RunView end = WorkflowHarness.result(launch(plan));

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertTrue(steps(end).contains("stage/approve SKIPPED"), steps(end).toString());
    assertEquals(
        List.of(
            "stage:sql.query:sample",
            "stage:sql.export:export",
            "stage:notify:report",
            "stage:notify:notify"),
        calls());
    StepRequest export = request("stage:sql.export:export");
    assertEquals("{\"min\":5}", export.with().path("bind").toString());
    assertEquals("csv", export.with().path("format").asText());
    assertEquals(
        "SELECT id, customer, total FROM invoices WHERE total > :min ORDER BY id",
        export.with().path("query").asText());
    assertEquals(
        List.of(
            "OPS-6: 3 row(s) of invoicing (stage) exported to /srv/runbook/exports/x/export.csv"
                + " on the worker, sha256 9f86d081884c7d65",
            "table-export OPS-6 of invoicing (stage): completed"),
        notices());
  }

  @Test
  void tableExportToProdRunsOnStageThenWaitsForALeadWhoSeesTheProdSample() {
    given("prod:sample", "{\"rowCount\": 2, \"columns\": [\"id\"], \"rows\": [[1], [2]]}");
    Map<String, String> params = exportParams();
    params.put("format", "json");
    Plan plan = plan("table-export.yaml", "prod", params);
    RunbookWorkflow wf = launch(plan);
    approve(wf, "promote@prod", "alice", plan);
    GateView gate = WorkflowHarness.awaitGate(wf, "prod/approve");
    assertEquals(
        List.of(
            "stage:sql.query:sample",
            "stage:sql.export:export",
            "stage:notify:report",
            "prod:sql.query:sample"),
        calls(),
        "nothing exported from prod before the approval");
    assertEquals(2, gate.shows().path("sample").path("rowCount").asInt(), gate.shows().toString());
    assertTrue(gate.message().contains("exports from invoicing (prod) as json"), gate.message());
    wf.decide(new ApprovalDecision("prod/approve", "bob", Decision.APPROVE, "ok", plan.hash()));
    RunView end = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, end.status(), end.failure());
    assertEquals("json", request("prod:sql.export:export").with().path("format").asText());
    assertEquals(
        List.of(
            "prod:sql.query:sample",
            "prod:sql.export:export",
            "prod:notify:report",
            "prod:notify:notify"),
        calls().subList(3, 7));
  }
}
