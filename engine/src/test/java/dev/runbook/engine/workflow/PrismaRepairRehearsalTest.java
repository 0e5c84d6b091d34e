package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.ExecActivities;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.PrismaActivities;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code runbooks/prisma-migration-repair.yaml} rehearsed through the interpreter on {@code local}
 * (the shipped environment files, time-skipping test server): each case scripts what the steps
 * return ({@code _prisma_migrations} rows, exit codes) and checks the steps that ran, in order,
 * what they were asked to run, and how the run ended. The real tools run in the worker's tests.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrismaRepairRehearsalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FAILED = "20261201000000_add_status";
  private static final String REVERT = "ALTER TABLE \"Account\" DROP COLUMN \"status\"";
  private static final String LOGS = "Error accessing result set, column not found: statuz";

  private TestWorkflowEnvironment env;
  private final ScriptedSteps steps = new ScriptedSteps();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-local").registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  // --- the cases ---------------------------------------------------------------------------------

  @Test
  void aFailedMigrationIsRevertedMarkedRolledBackDeployedAndVerified() throws Exception {
    steps.rows("detect", failedRow());
    Plan plan = plan(true);
    RunbookWorkflow wf = launch(plan);

    GateView gate = awaitGate(wf, "local/review");
    assertEquals(List.of("detect:sql.query", "snapshot:aws.rds.snapshot"), steps.calls);
    assertTrue(gate.message().contains(FAILED), gate.message());
    assertTrue(gate.message().contains(REVERT), gate.message());
    assertTrue(gate.shows().toString().contains(LOGS), "the gate shows the error: " + gate.shows());
    RunView run = approve(wf, plan);

    assertEquals(RunStatus.COMPLETED, run.status(), run.failure());
    assertEquals(
        List.of(
            "detect:sql.query",
            "snapshot:aws.rds.snapshot",
            "revert:prisma.revert",
            "resolve:exec",
            "deploy:exec",
            "status:exec",
            "verify:sql.query",
            "notify:notify"),
        steps.calls);
    assertEquals(FAILED, steps.with("revert").path("migration").asText());
    assertEquals(
        List.of(REVERT), JSON.convertValue(steps.with("revert").path("revert"), List.class));
    assertEquals(
        List.of("npx", "--no", "prisma", "migrate", "resolve", "--rolled-back", FAILED),
        steps.command("resolve"));
    assertEquals(List.of("npx", "--no", "prisma", "migrate", "deploy"), steps.command("deploy"));
    assertEquals(List.of("npx", "--no", "prisma", "migrate", "status"), steps.command("status"));
    for (String exec : List.of("revert", "resolve", "deploy", "status")) {
      assertEquals("platform", steps.with(exec).path("database").asText(), exec);
    }
    assertEquals("apps/platform", steps.with("resolve").path("workdir").asText());
    assertTrue(steps.notice().endsWith("(local): completed"), steps.notice());
  }

  @Test
  void withoutAFailedMigrationOnlyTheStatusAndTheCheckRun() throws Exception {
    RunView run = result(launch(plan(true)));

    assertEquals(RunStatus.COMPLETED, run.status(), run.failure());
    assertEquals(
        List.of("detect:sql.query", "status:exec", "verify:sql.query", "notify:notify"),
        steps.calls);
  }

  @Test
  void aFailedMigrationThatLeftNothingIsMarkedRolledBackWithoutARevert() throws Exception {
    steps.rows("detect", failedRow());
    Plan plan = plan(false);
    RunbookWorkflow wf = launch(plan);
    awaitGate(wf, "local/review");
    RunView run = approve(wf, plan);

    assertEquals(RunStatus.COMPLETED, run.status(), run.failure());
    assertEquals(
        List.of(
            "detect:sql.query",
            "snapshot:aws.rds.snapshot",
            "resolve:exec",
            "deploy:exec",
            "status:exec",
            "verify:sql.query",
            "notify:notify"),
        steps.calls);
  }

  @Test
  void aRejectedReviewChangesNothing() throws Exception {
    steps.rows("detect", failedRow());
    Plan plan = plan(true);
    RunbookWorkflow wf = launch(plan);
    awaitGate(wf, "local/review");
    wf.decide(new ApprovalDecision("local/review", "alice", Decision.REJECT, "wrong", plan.hash()));
    RunView run = result(wf);

    assertEquals(RunStatus.REJECTED, run.status());
    assertEquals(
        List.of("detect:sql.query", "snapshot:aws.rds.snapshot", "notify:notify"), steps.calls);
  }

  @Test
  void aDeployThatFailsAgainStopsTheRunBeforeTheChecks() throws Exception {
    steps.rows("detect", failedRow());
    steps.failing.put("deploy", "exit code 1: Error: P3018 A migration failed to apply");
    Plan plan = plan(true);
    RunbookWorkflow wf = launch(plan);
    awaitGate(wf, "local/review");
    RunView run = approve(wf, plan);

    assertEquals(RunStatus.FAILED, run.status());
    assertTrue(run.failure().contains("P3018"), run.failure());
    assertEquals(
        List.of(
            "detect:sql.query",
            "snapshot:aws.rds.snapshot",
            "revert:prisma.revert",
            "resolve:exec",
            "deploy:exec",
            "notify:notify"),
        steps.calls);
    assertTrue(steps.notice().endsWith("(local): failed"), steps.notice());
  }

  @Test
  void aRefusedRevertStopsTheRunBeforeTheMigrationIsMarkedRolledBack() throws Exception {
    steps.rows("detect", failedRow());
    steps.failing.put(
        "revert",
        "_prisma_migrations of platform (local) marks " + FAILED + " rolled back already");
    Plan plan = plan(true);
    RunbookWorkflow wf = launch(plan);
    awaitGate(wf, "local/review");
    RunView run = approve(wf, plan);

    assertEquals(RunStatus.FAILED, run.status());
    assertTrue(run.failure().contains("rolled back already"), run.failure());
    assertEquals(
        List.of(
            "detect:sql.query",
            "snapshot:aws.rds.snapshot",
            "revert:prisma.revert",
            "notify:notify"),
        steps.calls);
  }

  @Test
  void aMigrationStillFailedAfterwardsFailsTheRunAtTheCheck() throws Exception {
    steps.rows("detect", failedRow());
    steps.rows("verify", failedRow());
    Plan plan = plan(true);
    RunbookWorkflow wf = launch(plan);
    awaitGate(wf, "local/review");
    RunView run = approve(wf, plan);

    assertEquals(RunStatus.FAILED, run.status());
    assertTrue(
        run.failure().contains("_prisma_migrations of platform still has a failed migration"),
        run.failure());
    assertEquals("verify:sql.query", steps.calls.get(steps.calls.size() - 2));
  }

  // --- plumbing ----------------------------------------------------------------------------------

  private static List<Object> failedRow() {
    return List.of(FAILED, "2026-12-01 10:00:00", 0, LOGS);
  }

  private static Path repository() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("runbooks").resolve("environments"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no runbooks/environments above the working directory");
    return dir;
  }

  private static Plan plan(boolean withRevert) {
    Path runbooks = repository().resolve("runbooks");
    Validation<ValidatedRunbook> runbook =
        Workspace.runbook(runbooks.resolve("prisma-migration-repair.yaml"));
    assertEquals(List.of(), runbook.diagnostics());
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(runbooks.resolve("environments"), problems);
    assertEquals(List.of(), problems);
    Map<String, String> params = new HashMap<>();
    params.put("database", "platform");
    params.put("project", "apps/platform");
    params.put("ticket", "OPS-7");
    if (withRevert) {
      params.put("revert", REVERT);
    }
    PlanCompiler.Result result =
        PlanCompiler.compile(runbook.value().orElseThrow(), envs, "local", params);
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(Plan plan) {
    String id = "prisma-repair-" + System.nanoTime();
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-7"));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
  }

  private static GateView awaitGate(RunbookWorkflow wf, String gate) {
    return WorkflowHarness.awaitGate(wf, gate);
  }

  private static RunView approve(RunbookWorkflow wf, Plan plan) {
    wf.decide(new ApprovalDecision("local/review", "alice", Decision.APPROVE, "ok", plan.hash()));
    return result(wf);
  }

  private static RunView result(RunbookWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(RunView.class);
  }

  /**
   * What the steps return, by step id: query rows (none unless scripted), a zero exit code unless
   * the step is scripted to fail. Records "step:type" per call and each step's inputs.
   */
  static final class ScriptedSteps
      implements SqlActivities, ExecActivities, RdsActivities, NotifyActivities, PrismaActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Map<String, JsonNode> inputs = new ConcurrentHashMap<>();
    final Map<String, List<List<Object>>> rows = new ConcurrentHashMap<>();
    final Map<String, String> failing = new ConcurrentHashMap<>();

    void rows(String step, List<Object> row) {
      rows.put(step, List.of(row));
    }

    JsonNode with(String step) {
      return inputs.get(step);
    }

    List<String> command(String step) {
      List<String> argv = new ArrayList<>();
      with(step).path("command").forEach(item -> argv.add(item.asText()));
      return argv;
    }

    String notice() {
      return with("notify").path("text").asText();
    }

    private StepResult record(StepRequest r, ObjectNode outputs) {
      calls.add(r.stepId() + ":" + r.uses());
      inputs.put(r.stepId(), r.with());
      String failure = failing.get(r.stepId());
      if (failure != null) {
        throw FailureType.STEP_FAILED.failure(failure);
      }
      return new StepResult(outputs, r.uses() + " done");
    }

    @Override
    public StepResult query(StepRequest r) {
      List<List<Object>> found = rows.getOrDefault(r.stepId(), List.of());
      ObjectNode outputs = JSON.createObjectNode();
      outputs.set(
          "columns",
          JSON.valueToTree(List.of("migration_name", "started_at", "applied_steps_count", "logs")));
      outputs.set("rows", JSON.valueToTree(found));
      outputs.put("rowCount", found.size()).put("truncated", false);
      return record(r, outputs);
    }

    @Override
    public StepResult exec(StepRequest r) {
      return record(
          r,
          JSON.createObjectNode()
              .put("exitCode", 0)
              .put("stdout", "")
              .put("stderr", "")
              .put("truncated", false)
              .put("durationMs", 5));
    }

    @Override
    public StepResult revert(StepRequest r) {
      return record(
          r,
          JSON.createObjectNode()
              .put("migration", r.with().path("migration").asText())
              .put("reverted", r.with().path("revert").size())
              .put("transactional", true));
    }

    @Override
    public StepResult snapshot(StepRequest r) {
      return record(r, JSON.createObjectNode().put("snapshotId", "rb-local-platform"));
    }

    @Override
    public StepResult notify(StepRequest r) {
      return record(r, JSON.createObjectNode().put("delivered", true));
    }

    @Override
    public StepResult change(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult backup(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult restore(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult export(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult terminateSessions(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult restorePitr(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }

    @Override
    public StepResult delete(StepRequest r) {
      throw new UnsupportedOperationException("not a step of this runbook");
    }
  }
}
