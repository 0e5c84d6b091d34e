package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's audit trail: what it sends to the store as a run goes, and what happens when
 * the store is down (the run goes on, says so, and sends the missing records once the store is
 * back).
 */
class AuditTrailTest {
  private final WorkflowHarness harness = new WorkflowHarness();

  @AfterEach
  void close() {
    harness.close();
  }

  private Plan plan() {
    return Fixtures.plan(RunbookWorkflowTest.RUNBOOK, "stage", Map.of());
  }

  /** The last state the store holds of each step, by position. */
  private static Map<Integer, AuditBatch.Step> stepsStored(List<AuditBatch> batches) {
    Map<Integer, AuditBatch.Step> steps = new LinkedHashMap<>();
    batches.forEach(b -> b.steps().forEach(s -> steps.put(s.seq(), s)));
    return steps;
  }

  /**
   * The batches the interpreter sent, each once. The store is called as a local activity, delivered
   * at least once: when a workflow task is retried after its local activity ran, the same batch is
   * computed again and sent again, only its end time read anew. The real store takes that
   * idempotently (rows keyed by run and position).
   */
  private static List<AuditBatch> withoutRedeliveries(List<AuditBatch> received) {
    List<AuditBatch> sent = new ArrayList<>();
    for (AuditBatch batch : received) {
      if (sent.isEmpty() || !endless(sent.get(sent.size() - 1)).equals(endless(batch))) {
        sent.add(batch);
      }
    }
    return sent;
  }

  /** One line per batch: what a failed assertion shows. */
  private static String describe(List<AuditBatch> batches) {
    StringBuilder out = new StringBuilder();
    for (AuditBatch b : batches) {
      out.append("\n  ").append(b.run().status()).append(" ended=").append(b.run().endedAt());
      b.steps()
          .forEach(st -> out.append(" step").append(st.seq()).append('=').append(st.outcome()));
      out.append(" approvals=").append(b.approvals().size());
      out.append(" compensations=").append(b.compensations().size());
      out.append(" refusals=").append(b.refusals().size());
    }
    return out.toString();
  }

  /** {@code batch} without its end time. */
  private static AuditBatch endless(AuditBatch batch) {
    AuditBatch.Run r = batch.run();
    return new AuditBatch(
        batch.runId(),
        new AuditBatch.Run(
            r.plan(),
            r.launcher(),
            r.ticket(),
            r.status(),
            r.environment(),
            r.failure(),
            r.startedAt(),
            r.endedAt() == 0 ? 0 : 1),
        batch.steps(),
        batch.approvals(),
        batch.compensations(),
        batch.refusals());
  }

  @Test
  void theStoreReceivesTheRunItsStepsDecisionsAndEndAsTheyHappen() {
    Plan plan = plan();
    RunbookWorkflow wf = harness.start("audited-1", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "fine", plan.hash()));
    RunView view = WorkflowHarness.result(wf);
    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    assertEquals("", view.audit());

    List<AuditBatch> batches = withoutRedeliveries(harness.audit.batches);
    AuditBatch first = batches.get(0);
    assertEquals("audited-1", first.runId());
    assertEquals(
        PlanJson.canonical(plan),
        PlanJson.canonical(first.run().plan()),
        "the first batch carries the plan as launched");
    assertEquals("erin", first.run().launcher());
    assertEquals("OPS-1", first.run().ticket());
    assertEquals("RUNNING", first.run().status());
    batches.stream().skip(1).forEach(b -> assertNull(b.run().plan(), "the plan is sent once"));
    AuditBatch last = batches.get(batches.size() - 1);
    assertEquals("COMPLETED", last.run().status());
    assertTrue(last.run().endedAt() >= last.run().startedAt() && last.run().endedAt() > 0);
    assertTrue(
        batches.stream().limit(batches.size() - 1).allMatch(b -> b.run().endedAt() == 0),
        () -> "only the last batch ends the run: " + describe(batches));

    Map<Integer, AuditBatch.Step> steps = stepsStored(batches);
    assertEquals(view.steps().size(), steps.size());
    for (int i = 0; i < view.steps().size(); i++) {
      StepRecord r = view.steps().get(i);
      AuditBatch.Step s = steps.get(i);
      assertEquals(r.stepId(), s.stepId());
      assertEquals(r.outcome().name(), s.outcome());
      assertEquals(r.summary(), s.summary());
      assertEquals(r.finishedAt(), s.finishedAt());
    }
    AuditBatch.Step fix = steps.get(1);
    assertEquals("sql.change", fix.uses());
    assertEquals(
        List.of("preview", "apply"), fix.calls().stream().map(AuditBatch.Call::phase).toList());
    assertEquals("platform", fix.calls().get(1).with().path("database").asText());

    List<AuditBatch.Approval> approvals =
        batches.stream().flatMap(b -> b.approvals().stream()).toList();
    assertEquals(1, approvals.size(), "each decision is sent once");
    AuditBatch.Approval a = approvals.get(0);
    assertEquals(
        List.of("stage/ok", "alice", "APPROVE", "fine", plan.hash()),
        List.of(a.gate(), a.approver(), a.decision(), a.comment(), a.planHash()));
  }

  @Test
  void aStoreThatIsDownNeitherFailsNorBlocksTheRunAndTheRunSaysSo() {
    harness.audit.down.set(true);
    Plan plan = plan();
    RunbookWorkflow wf = harness.start("audited-2", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    assertTrue(wf.view().audit().startsWith("audit store: "), "the open run says so: " + wf.view());
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView view = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, view.status(), "an audit outage does not fail the run");
    assertTrue(
        view.audit()
            .matches(
                "audit store: [0-9]+ record\\(s\\) not written yet \\(connection refused \\(audit"
                    + " store down\\)\\); sent again with the next batch"),
        view.audit());
    assertEquals(List.of(), harness.audit.batches);
    assertTrue(harness.audit.refused.get() >= AuditTrail.MAX_ATTEMPTS);
  }

  @Test
  void recordsMissedWhileTheStoreWasDownAreSentOnceItIsBack() {
    harness.audit.down.set(true);
    Plan plan = plan();
    RunbookWorkflow wf = harness.start("audited-3", plan, "erin");
    WorkflowHarness.awaitGate(wf, "stage/ok");
    harness.audit.down.set(false); // back before the decision
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView view = WorkflowHarness.result(wf);

    assertEquals(RunStatus.COMPLETED, view.status());
    assertEquals("", view.audit(), "caught up");
    AuditBatch first = harness.audit.batches.get(0);
    assertNotNull(first.run().plan(), "the plan missed at the start is in the first stored batch");
    Map<Integer, AuditBatch.Step> steps = stepsStored(harness.audit.batches);
    assertEquals(view.steps().size(), steps.size(), "the steps done while it was down are there");
    assertEquals("allow", steps.get(0).stepId());
  }

  @Test
  void aWorkerWithoutAStoreSaysTheRunIsNotRecordedAndSendsNothingMore() throws Exception {
    try (WorkflowHarness bare = new WorkflowHarness(true)) {
      Plan plan = plan();
      RunbookWorkflow wf = bare.start("audited-4", plan, "erin");
      WorkflowHarness.awaitGate(wf, "stage/ok");
      wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
      RunView view = WorkflowHarness.result(wf);
      assertEquals(RunStatus.COMPLETED, view.status());
      assertEquals(
          "audit store: not recorded: the worker running this run has no audit store configured",
          view.audit());
      long localActivities =
          bare.client().fetchHistory("audited-4").getEvents().stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
              .map(HistoryEvent::getMarkerRecordedEventAttributes)
              .filter(m -> m.getMarkerName().equals("LocalActivity"))
              .count();
      assertEquals(1, localActivities, "one batch, declined; then nothing");
    }
  }
}
