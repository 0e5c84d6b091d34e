package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.plan.Plan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Notices the interpreter sends without a {@code notify} step, through the fake activities: which
 * events, where, what they say, and that one that cannot be sent changes nothing else.
 */
class AutoNoticesTest {
  private final WorkflowHarness harness = new WorkflowHarness();

  @AfterEach
  void close() {
    harness.close();
  }

  /** The history scenarios' runbook (a change, an approval step, a query, a finally report). */
  static Plan plan(String runbook, String stageExtra, String target) {
    Map<String, ValidatedEnvironment> envs = new LinkedHashMap<>(Fixtures.standardEnvironments());
    envs.put("stage", Fixtures.environment("stage", Fixtures.STAGE + stageExtra));
    envs.put("prod", Fixtures.environment("prod", Fixtures.PROD + stageExtra));
    PlanCompiler.Result result =
        PlanCompiler.compile(Fixtures.runbook(runbook), envs, target, Map.of());
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private List<String> notices() {
    return harness.activities.requests.stream()
        .filter(r -> r.stepId().startsWith("notice/"))
        .map(r -> r.environment() + " " + r.stepId())
        .toList();
  }

  private String text(String stepId) {
    return harness.activities.requests.stream()
        .filter(r -> r.stepId().equals(stepId))
        .map(StepRequest::with)
        .map(w -> w.path("text").asText())
        .findFirst()
        .orElse("(not sent)");
  }

  @Test
  void aGateAndTheEndAreAnnouncedOnTheEnvironmentsQueueWithTheApproveCommand() {
    Plan plan = plan(HistoryScenarios.ANNOUNCED, HistoryScenarios.NOTICES, "stage");
    RunbookWorkflow wf = harness.start("run-notices", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        List.of("stage notice/approval-needed/stage/ok", "stage notice/completed"), notices());
    String gate = text("notice/approval-needed/stage/ok");
    assertTrue(gate.startsWith(":raised_hand: Approval needed: run `run-notices`"), gate);
    assertTrue(gate.contains("(announced v1, stage, launched by erin, ticket OPS-1)"), gate);
    assertTrue(gate.contains("waits at gate `stage/ok` for 1 approval from team db-leads"), gate);
    assertTrue(gate.contains("\ncheck invoice 1\n"), gate);
    assertTrue(gate.contains("\nApprove: `runbook approve run-notices --gate stage/ok`"), gate);
    assertTrue(
        gate.contains("\nReject: `runbook reject run-notices --gate stage/ok --reason TEXT`"),
        gate);
    assertEquals(
        ":white_check_mark: Run `run-notices` completed (announced v1, stage, launched by erin,"
            + " ticket OPS-1).\n3 steps completed.\nDetails: `runbook status run-notices`,"
            + " `runbook audit run-notices`",
        text("notice/completed"));
    StepRequest completed =
        harness.activities.requests.stream()
            .filter(r -> r.stepId().equals("notice/completed"))
            .findFirst()
            .orElseThrow();
    assertEquals("notify", completed.uses());
    assertEquals("completed", completed.with().path("event").asText());
    assertEquals(
        List.of("approval-needed stage/ok: notify done", "completed: notify done"),
        result.notices());
  }

  @Test
  void aFailedRunAndAnIncompleteCompensationSayWhatHappened() {
    harness.activities.failing.add("stage:sql.restore:fix");
    Plan plan = plan(HistoryScenarios.ANNOUNCED, HistoryScenarios.NOTICES, "stage");
    RunbookWorkflow wf = harness.start("run-undo", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    wf.decide(new ApprovalDecision("stage/ok", "bob", Decision.REJECT, "wrong rows", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPENSATION_INCOMPLETE, result.status());
    assertEquals(
        List.of("stage notice/approval-needed/stage/ok", "stage notice/compensation-incomplete"),
        notices());
    assertEquals(
        ":rotating_light: Run `run-undo` ended COMPENSATION_INCOMPLETE (announced v1, stage,"
            + " launched by erin, ticket OPS-1): rejected by bob at gate stage/ok: wrong rows.\n"
            + "1 step completed; undos: 1 failed.\n"
            + "Undo that failed: stage/fix (sql.restore): SQL_ERROR: injected failure at"
            + " stage:sql.restore:fix\n"
            + "Someone must clean up by hand.\n"
            + "Details: `runbook status run-undo`, `runbook audit run-undo`",
        text("notice/compensation-incomplete"));
  }

  @Test
  void aFailureIsAnnouncedAsFailedWithItsReason() {
    harness.activities.failing.add("stage:sql.change:fix@apply");
    Plan plan = plan(HistoryScenarios.ANNOUNCED, HistoryScenarios.NOTICES, "stage");
    RunView result = WorkflowHarness.result(harness.start("run-failed", plan, "erin"));

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals(List.of("stage notice/failed"), notices());
    assertEquals(
        ":x: Run `run-failed` ended FAILED (announced v1, stage, launched by erin, ticket OPS-1):"
            + " SQL_ERROR: injected failure at stage:sql.change:fix@apply.\n"
            + "0 steps completed; undos: 1 with nothing to undo.\n"
            + "Details: `runbook status run-failed`, `runbook audit run-failed`",
        text("notice/failed"));
  }

  @Test
  void aNoticeThatCannotBeSentIsRecordedAndTheRunEndsAsItWould() {
    harness.activities.failing.add("stage:notify:notice/approval-needed/stage/ok");
    harness.activities.failing.add("stage:notify:notice/completed");
    Plan plan = plan(HistoryScenarios.ANNOUNCED, HistoryScenarios.NOTICES, "stage");
    RunbookWorkflow wf = harness.start("run-quiet", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals("", result.failure());
    assertEquals(
        List.of(
            "approval-needed stage/ok: not sent (SQL_ERROR: injected failure at"
                + " stage:notify:notice/approval-needed/stage/ok)",
            "completed: not sent (SQL_ERROR: injected failure at stage:notify:notice/completed)"),
        result.notices());
    assertTrue(
        result.steps().stream().allMatch(s -> s.outcome() == StepOutcome.COMPLETED),
        result.steps().toString());
  }

  @Test
  void anEnvironmentWithoutNotificationsSendsNoneAndEventsChooseWhich() {
    RunView quiet =
        WorkflowHarness.result(
            harness.start(
                "run-none",
                plan(
                    HistoryScenarios.ANNOUNCED.replace(
                        "uses: approval", "uses: approval\n    when: \"${{ run.id == 'never' }}\""),
                    "",
                    "stage"),
                "erin"));
    assertEquals(RunStatus.COMPLETED, quiet.status());
    assertEquals(List.of(), notices());
    assertEquals(List.of(), quiet.notices());

    // the environment sends failures only; a completed run says nothing
    RunView onlyFailures =
        WorkflowHarness.result(
            harness.start(
                "run-failures-only",
                plan(
                    HistoryScenarios.ANNOUNCED.replace(
                        "uses: approval", "uses: approval\n    when: \"${{ run.id == 'never' }}\""),
                    "notifications: { events: [failed, compensation-incomplete] }\n",
                    "stage"),
                "erin"));
    assertEquals(RunStatus.COMPLETED, onlyFailures.status());
    assertEquals(List.of(), notices());
  }

  @Test
  void aRunbookNarrowsTheEnvironmentsEvents() {
    String runbook =
        HistoryScenarios.ANNOUNCED.replace(
            "finally:", "notifications: { events: [completed] }\nfinally:");
    Plan plan = plan(runbook, HistoryScenarios.NOTICES, "stage");
    RunbookWorkflow wf = harness.start("run-narrow", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    assertEquals(RunStatus.COMPLETED, WorkflowHarness.result(wf).status());
    assertEquals(List.of("stage notice/completed"), notices());
    assertEquals("[\"completed\"]", plan.targetStage().facts().path("notices").toString());
  }

  @Test
  void plansOfEnvironmentsWithoutNotificationsHaveNoNoticesFact() {
    Plan plan = Fixtures.plan(HistoryScenarios.ANNOUNCED, "stage", Map.of());
    assertTrue(plan.targetStage().facts().path("notices").isMissingNode());
    Plan all = plan(HistoryScenarios.ANNOUNCED, HistoryScenarios.NOTICES, "stage");
    assertEquals(
        "[\"approval-needed\",\"completed\",\"failed\",\"compensation-incomplete\"]",
        all.targetStage().facts().path("notices").toString());
  }
}
