package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code finally} steps read the main body's steps of the last environment reached: what they did
 * when they ran, {@code not-run} and null outputs when they did not.
 */
class FinallyReadsStepsTest {
  static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: report, version: 1 }
      environments: [stage, prod]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
        - id: check
          uses: sql.query
          with:
            database: platform
            query: "SELECT id FROM invoices WHERE status = 'open' AND id = 1"
      gates:
        promote: { approvers: { group: db-team }, timeout: 1h }
      finally:
        - id: report
          uses: notify
          with:
            text: "${{ env.name }}: fix ${{ steps.fix.status }} (${{ steps.fix.outputs.rowsAffected }} rows, backup ${{ steps.fix.outputs.backupTable }}), check ${{ steps.check.status }} (${{ steps.check.outputs.rowCount }})"
        - id: cleanup
          uses: notify
          when: "${{ steps.fix.status == 'completed' && steps.report.status == 'completed' }}"
          with: { text: "drop ${{ steps.fix.outputs.backupTable }}" }
      """;

  private final WorkflowHarness harness = new WorkflowHarness();

  @AfterEach
  void close() {
    harness.close();
  }

  private String text(String stepId) {
    return harness.activities.requests.stream()
        .filter(r -> r.stepId().equals(stepId))
        .map(StepRequest::with)
        .map(w -> w.path("text").asText())
        .reduce((a, b) -> b)
        .orElse("(not sent)");
  }

  @Test
  void onSuccessFinallyReadsTheOutputsOfTheMainBody() {
    RunView result =
        WorkflowHarness.result(harness.start(Fixtures.plan(RUNBOOK, "stage", Map.of()), "erin"));

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals(
        "stage: fix completed (1 rows, backup bk_fix), check completed (3)", text("report"));
    assertEquals("drop bk_fix", text("cleanup"));
    assertEquals(
        List.of(
            StepOutcome.COMPLETED,
            StepOutcome.COMPLETED,
            StepOutcome.COMPLETED,
            StepOutcome.COMPLETED),
        result.steps().stream().map(StepRecord::outcome).toList());
  }

  @Test
  void onFailureAFailedStepReadsFailedWithNullOutputsAndAStepNeverReachedReadsNotRun() {
    harness.activities.failing.add("stage:sql.change:fix@apply");
    RunView result =
        WorkflowHarness.result(harness.start(Fixtures.plan(RUNBOOK, "stage", Map.of()), "erin"));

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("stage: fix failed ( rows, backup ), check not-run ()", text("report"));
    assertEquals("(not sent)", text("cleanup"));
    StepRecord report = result.steps().get(result.steps().size() - 2);
    assertEquals("report", report.stepId());
    assertEquals(StepOutcome.COMPLETED, report.outcome());
    assertEquals(StepOutcome.SKIPPED, result.steps().get(result.steps().size() - 1).outcome());
  }

  @Test
  void cancelledAtThePromoteGateFinallyRunsForProdWhereNoStepRan() {
    // The run reached prod (its promote gate) but no prod step ran: finally runs against prod
    // and reads prod's steps, none of which ran.
    Plan plan = Fixtures.plan(RUNBOOK, "prod", Map.of());
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "promote@prod");
    wf.cancel(new CancelRequest("erin", "not today"));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.CANCELLED, result.status());
    assertEquals("prod: fix not-run ( rows, backup ), check not-run ()", text("report"));
    assertEquals("(not sent)", text("cleanup"));
  }

  @Test
  void whenTheRunFailsInTheLaterEnvironmentFinallyReadsThatEnvironmentsSteps() {
    Plan plan = Fixtures.plan(RUNBOOK, "prod", Map.of());
    harness.activities.failing.add("prod:sql.query:check");
    RunbookWorkflow wf = harness.start(plan, "erin");
    WorkflowHarness.awaitGate(wf, "promote@prod");
    wf.decide(new ApprovalDecision("promote@prod", "carol", Decision.APPROVE, "", plan.hash()));
    RunView result = WorkflowHarness.result(wf);

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("prod: fix completed (1 rows, backup bk_fix), check failed ()", text("report"));
    assertEquals("drop bk_fix", text("cleanup"));
  }
}
