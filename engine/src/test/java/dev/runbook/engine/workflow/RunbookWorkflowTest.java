package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunbookWorkflowTest {
  static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: access, version: 1 }
      environments: [stage, prod]
      steps:
        - id: allow
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
          compensate:
            uses: sql.restore
            with: { database: platform, backup: "${{ steps.fix.outputs.backupTable }}" }
        - id: ok
          uses: approval
          with: { approvers: { group: db-leads }, shows: [fix], timeout: 2h }
      gates:
        promote: { approvers: { group: db-team }, timeout: 1h }
      finally:
        - uses: notify
          with: { text: "access ${{ run.status }}" }
      """;

  private final WorkflowHarness harness = new WorkflowHarness();

  @AfterEach
  void close() {
    harness.close();
  }

  private Plan plan(String target) {
    return Fixtures.plan(RUNBOOK, target, Map.of());
  }

  private static ApprovalAnswer approve(RunbookWorkflow wf, String gate, String who, Plan plan) {
    return wf.decide(new ApprovalDecision(gate, who, Decision.APPROVE, "looks right", plan.hash()));
  }

  private static String refusal(RunbookWorkflow wf, ApprovalDecision decision) {
    WorkflowUpdateException e =
        assertThrows(WorkflowUpdateException.class, () -> wf.decide(decision));
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message.contains("message='")
        ? message.substring(message.indexOf("message='") + 9, message.indexOf("', type"))
        : message;
  }

  @Test
  void runsStageThenThePromoteGateThenProdAndFinallyInThatOrder() {
    Plan plan = plan("prod");
    RunbookWorkflow wf = harness.start(plan, "erin");

    GateView ok = WorkflowHarness.awaitGate(wf, "stage/ok");
    assertEquals(List.of("alice", "bob"), ok.approvers());
    assertEquals(1, ok.shows().path("fix").path("rowsAffected").asInt());
    approve(wf, "stage/ok", "alice", plan);
    WorkflowHarness.awaitGate(wf, "promote@prod");
    ApprovalAnswer promoted = approve(wf, "promote@prod", "carol", plan);
    assertTrue(promoted.gateOpened());
    WorkflowHarness.awaitGate(wf, "prod/ok");
    approve(wf, null, "bob", plan);
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        List.of(
            "stage:aws.ec2.allow-ingress:allow",
            "stage:sql.change:fix@preview",
            "stage:sql.change:fix@apply",
            "prod:aws.ec2.allow-ingress:allow",
            "prod:sql.change:fix@preview",
            "prod:sql.change:fix@apply",
            "prod:notify:finally_1"),
        harness.activities.calls);
    assertEquals(
        "access completed", harness.activities.requests.get(6).with().path("text").asText());
    assertEquals(
        List.of("alice", "carol", "bob"),
        result.approvals().stream().map(ApprovalRecord::approver).toList());
    assertEquals(List.of(), result.compensations());
  }

  @Test
  void aRejectionStopsTheRunRunsTheUndosAndFinally() {
    Plan plan = plan("stage");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    ApprovalAnswer answer =
        wf.decide(
            new ApprovalDecision("stage/ok", "bob", Decision.REJECT, "wrong rows", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals("rejected: the run stops and its undos run", answer.message());
    assertEquals(RunStatus.REJECTED, result.status());
    assertEquals("rejected by bob at gate stage/ok: wrong rows", result.failure());
    assertEquals(
        List.of(
            "stage:aws.ec2.allow-ingress:allow",
            "stage:sql.change:fix@preview",
            "stage:sql.change:fix@apply",
            "stage:sql.restore:fix",
            "stage:aws.ec2.revoke-ingress:allow",
            "stage:notify:finally_1"),
        harness.activities.calls);
    assertEquals("bk_fix", harness.activities.requests.get(3).with().path("backup").asText());
    assertEquals(
        "access rejected", harness.activities.requests.get(5).with().path("text").asText());
  }

  @Test
  void anUndecidedGateTimesOutAndCompensates() {
    Plan plan = plan("stage");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.TIMED_OUT, result.status());
    assertEquals("gate stage/ok was not decided in time", result.failure());
    assertEquals(2, result.compensations().size());
  }

  @Test
  void refusesSelfApprovalUnlistedApproversStaleHashesAndClosedGatesWithReasons() {
    Plan plan = plan("prod");
    RunbookWorkflow wf = harness.start(plan, "alice");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    assertEquals(
        "alice launched this run and cannot approve it: a second person must (four eyes)",
        refusal(wf, new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash())));
    assertEquals(
        "mallory may not decide at gate 'stage/ok'; allowed: alice, bob (team db-leads)",
        refusal(
            wf, new ApprovalDecision("stage/ok", "mallory", Decision.APPROVE, "", plan.hash())));
    assertEquals(
        "plan hash 000000000000 is not the plan running ("
            + plan.hash().substring(0, 12)
            + "); check `runbook status` and decide on what runs",
        refusal(wf, new ApprovalDecision("stage/ok", "bob", Decision.APPROVE, "", "0".repeat(64))));
    assertEquals(
        "gate 'promote@prod' is not open; the open gate is 'stage/ok'",
        refusal(
            wf, new ApprovalDecision("promote@prod", "carol", Decision.APPROVE, "", plan.hash())));

    approve(wf, "stage/ok", "bob", plan);
    WorkflowHarness.awaitGate(wf, "promote@prod");
    wf.cancel(new CancelRequest("erin", "done testing"));
    RunView result = WorkflowHarness.result(wf);
    assertEquals(RunStatus.CANCELLED, result.status());
    // Each refusal is recorded in the run (so in its history); none counted as an approval.
    assertEquals(
        List.of(
            "alice: alice launched this run and cannot approve it: a second person must (four"
                + " eyes)",
            "mallory: mallory may not decide at gate 'stage/ok'; allowed: alice, bob (team"
                + " db-leads)",
            "bob: plan hash 000000000000 is not the plan running ("
                + plan.hash().substring(0, 12)
                + "); check `runbook status` and decide on what runs",
            "carol: gate 'promote@prod' is not open; the open gate is 'stage/ok'"),
        result.refusals());
    assertEquals(
        List.of("bob"), result.approvals().stream().map(ApprovalRecord::approver).toList());
    // A closed run accepts no updates at all: the server refuses before any handler runs.
    assertThrows(
        WorkflowNotFoundException.class,
        () -> wf.decide(new ApprovalDecision(null, "carol", Decision.APPROVE, "", plan.hash())));
  }

  @Test
  void anApproverCountsOnceAndMinDistinctApprovalsOpenTheGate() {
    String twoNeeded =
        RUNBOOK.replace(
            "promote: { approvers: { group: db-team }, timeout: 1h }",
            "promote: { approvers: { group: db-team }, min: 2, timeout: 1h }");
    Plan plan = Fixtures.plan(twoNeeded, "prod", Map.of());
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    approve(wf, "stage/ok", "bob", plan);
    WorkflowHarness.awaitGate(wf, "promote@prod");

    ApprovalAnswer first = approve(wf, "promote@prod", "carol", plan);
    String again =
        refusal(
            wf, new ApprovalDecision("promote@prod", "carol", Decision.APPROVE, "", plan.hash()));
    ApprovalAnswer second = approve(wf, "promote@prod", "dave", plan);

    assertEquals("approved: 1 of 2 approvals", first.message());
    assertEquals("carol already approved gate 'promote@prod'; each approver counts once", again);
    assertEquals("approved: gate promote@prod is open", second.message());
    WorkflowHarness.awaitGate(wf, "prod/ok");
    wf.cancel(new CancelRequest("erin", "enough"));
    assertEquals(RunStatus.CANCELLED, WorkflowHarness.result(wf).status());
  }

  @Test
  void refusalsAreRecordedUpToTheCapThenOnlyAnsweredAndNeverCount() {
    Plan plan = plan("stage");
    RunbookWorkflow wf = harness.start(plan, "alice");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    String reason =
        "alice launched this run and cannot approve it: a second person must (four eyes)";

    for (int i = 0; i < RunbookWorkflowImpl.MAX_RECORDED_REFUSALS + 5; i++) {
      assertEquals(
          reason,
          refusal(
              wf, new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash())));
    }
    RunView waiting = wf.view();
    assertEquals(RunbookWorkflowImpl.MAX_RECORDED_REFUSALS, waiting.refusals().size());
    assertEquals("alice: " + reason, waiting.refusals().get(0));
    assertEquals(List.of(), waiting.approvals());
    assertEquals(RunStatus.WAITING_APPROVAL, waiting.status());

    approve(wf, "stage/ok", "bob", plan);
    RunView result = WorkflowHarness.result(wf);
    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        List.of("bob"), result.approvals().stream().map(ApprovalRecord::approver).toList());
  }

  @Test
  void cancelRunsTheUndosNewestFirstThenFinally() {
    Plan plan = plan("prod");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    wf.cancel(new CancelRequest("erin", "wrong ticket"));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.CANCELLED, result.status());
    assertEquals("cancelled by erin: wrong ticket", result.failure());
    assertEquals(
        List.of("sql.restore", "aws.ec2.revoke-ingress"),
        result.compensations().stream().map(CompensationRecord::uses).toList());
    assertEquals(
        "stage:notify:finally_1",
        harness.activities.calls.get(harness.activities.calls.size() - 1));
  }

  @Test
  void aFailingUndoIsRecordedTheOthersStillRunAndTheRunIsCompensationIncomplete() {
    Plan plan = plan("stage");
    harness.activities.failing.add("stage:sql.restore:fix");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    wf.decide(new ApprovalDecision("stage/ok", "bob", Decision.REJECT, "no", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPENSATION_INCOMPLETE, result.status());
    assertEquals(
        List.of(StepOutcome.FAILED, StepOutcome.COMPLETED),
        result.compensations().stream().map(CompensationRecord::outcome).toList());
    assertEquals(
        "SQL_ERROR: injected failure at stage:sql.restore:fix",
        result.compensations().get(0).message());
  }

  @Test
  void aStageFailureMeansProdNeverStarts() {
    Plan plan = plan("prod");
    harness.activities.failing.add("stage:sql.change:fix@apply");
    RunbookWorkflow wf = harness.start(plan, "erin");

    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("SQL_ERROR: injected failure at stage:sql.change:fix@apply", result.failure());
    // The failed change produced no backup, so its restore has nothing to do and is skipped.
    assertEquals(
        List.of(
            "stage:aws.ec2.allow-ingress:allow",
            "stage:sql.change:fix@preview",
            "stage:sql.change:fix@apply",
            "stage:aws.ec2.revoke-ingress:allow",
            "stage:notify:finally_1"),
        harness.activities.calls);
    assertEquals(
        List.of(StepOutcome.SKIPPED, StepOutcome.COMPLETED),
        result.compensations().stream().map(CompensationRecord::outcome).toList());
    assertTrue(result.steps().stream().noneMatch(s -> s.environment().equals("prod")));
  }

  @Test
  void aSecondChangeRunOnTheSameDatabaseIsRefusedNamingTheActiveRun() {
    Plan plan = plan("stage");
    RunbookWorkflow first = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(first, "stage/ok");

    RunbookWorkflow second = harness.start(plan, "frank");
    RunView refused = WorkflowHarness.result(second);

    assertEquals(RunStatus.FAILED, refused.status());
    assertEquals(
        "database platform of stage is being changed by run run-1 (access, launched by erin);"
            + " one change run per database at a time",
        refused.failure());
    assertEquals(List.of(), refused.compensations());
    first.decide(new ApprovalDecision("stage/ok", "bob", Decision.APPROVE, "", plan.hash()));
    assertEquals(RunStatus.COMPLETED, WorkflowHarness.result(first).status());

    RunbookWorkflow third = harness.start(plan, "frank");
    WorkflowHarness.awaitGate(third, "stage/ok");
    third.cancel(new CancelRequest("frank", "the lock was free again"));
    assertEquals(RunStatus.CANCELLED, WorkflowHarness.result(third).status());
  }

  @Test
  void aDecisionSentAsASignalCountsWhenValidAndItsRefusalIsRecordedOtherwise() {
    Plan plan = plan("stage");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");

    wf.decideSignal(new ApprovalDecision("stage/ok", "mallory", Decision.APPROVE, "", plan.hash()));
    wf.decideSignal(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        List.of(
            "mallory: mallory may not decide at gate 'stage/ok'; allowed: alice, bob (team db-leads)"),
        result.refusals());
    assertEquals(
        List.of("alice"), result.approvals().stream().map(ApprovalRecord::approver).toList());
  }

  static final String GATED_CHANGE =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: fix, version: 1 }
      environments: [stage]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
          approval: { approvers: { group: db-leads }, message: "void invoice 1" }
      """;

  @Test
  void aChangeIsPreviewedTheGateShowsThePreviewAndTheApplyCarriesWhatWasApproved() {
    Plan plan = Fixtures.plan(GATED_CHANGE, "stage", Map.of());
    RunbookWorkflow wf = harness.start(plan, "erin");

    GateView gate = WorkflowHarness.awaitGate(wf, "stage/fix");
    assertEquals(1, gate.shows().path("fix").path("preview").path("previewRows").asInt());
    assertEquals(
        "UPDATE invoices SET status = 'void' WHERE id = 1",
        gate.shows().path("fix").path("with").path("statements").path(0).asText());
    assertEquals("void invoice 1", gate.message());
    approve(wf, "stage/fix", "alice", plan);
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        List.of("stage:sql.change:fix@preview", "stage:sql.change:fix@apply"),
        harness.activities.calls);
    assertEquals(
        "preview-fix",
        harness.activities.requests.get(1).approvedPreview().path("previewHash").asText());
  }

  @Test
  void aRejectedPreviewAppliesNothing() {
    Plan plan = Fixtures.plan(GATED_CHANGE, "stage", Map.of());
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/fix");

    wf.decide(new ApprovalDecision("stage/fix", "bob", Decision.REJECT, "too many", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.REJECTED, result.status());
    assertEquals(List.of("stage:sql.change:fix@preview"), harness.activities.calls);
  }

  @Test
  void aFailingPreviewStopsTheRunBeforeAnyGate() {
    Plan plan = Fixtures.plan(GATED_CHANGE, "stage", Map.of());
    harness.activities.failing.add("stage:sql.change:fix@preview");
    RunbookWorkflow wf = harness.start(plan, "erin");

    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("SQL_ERROR: injected failure at stage:sql.change:fix@preview", result.failure());
    assertEquals(
        "preview: SQL_ERROR: injected failure at stage:sql.change:fix@preview",
        result.steps().get(0).summary());
    assertEquals(List.of("stage:sql.change:fix@preview"), harness.activities.calls);
  }
}
