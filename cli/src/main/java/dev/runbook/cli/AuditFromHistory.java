package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.audit.Redaction;
import dev.runbook.engine.audit.StepEffects;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.workflow.ApprovalRecord;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.audit.RunAudit;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's audit read from its Temporal history: the plan and launcher are the workflow's input,
 * each step's SQL and resources come from its activities' inputs and results, and the steps,
 * decisions and undos from the run's view (its result once ended, else the live query).
 */
final class AuditFromHistory {
  private AuditFromHistory() {}

  /** The audit of {@code id}, or empty when Temporal no longer has the run (or has no view). */
  static Optional<RunAudit> read(Runs runs, String id) {
    if (runs.describe(id).isEmpty()) {
      return Optional.empty();
    }
    Runs.Snapshot snapshot;
    try {
      snapshot = runs.snapshot(id);
    } catch (Runs.NoWorkerException e) {
      return Optional.empty(); // running, but no worker answers the query: the store may have it
    }
    RunView view = snapshot.view();
    if (view == null) {
      return Optional.empty(); // terminated, or closed without a result: the store may have it
    }
    WorkflowExecutionHistory history = runs.client().fetchHistory(id);
    DataConverter data = runs.client().getOptions().getDataConverter();
    RunRequest request = null;
    Map<Long, StepRequest> scheduled = new LinkedHashMap<>();
    Map<String, List<StepEffectsCall>> calls = new LinkedHashMap<>();
    for (HistoryEvent e : history.getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        request =
            decode(
                data, e.getWorkflowExecutionStartedEventAttributes().getInput(), RunRequest.class);
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        var a = e.getActivityTaskScheduledEventAttributes();
        if (a.getInput().getPayloadsCount() == 1) {
          try {
            scheduled.put(e.getEventId(), decode(data, a.getInput(), StepRequest.class));
          } catch (RuntimeException notAStep) {
            // the interpreter's own activities (lock holder): not a step
          }
        }
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        var a = e.getActivityTaskCompletedEventAttributes();
        StepRequest req = scheduled.get(a.getScheduledEventId());
        if (req != null && req.stepId() != null && !req.idempotencyKey().endsWith("/undo")) {
          StepResult result = decode(data, a.getResult(), StepResult.class);
          calls
              .computeIfAbsent(req.environment() + "/" + req.stepId(), k -> new ArrayList<>())
              .add(new StepEffectsCall(req.uses(), req.phaseOrRun(), req.with(), result.outputs()));
        }
      }
    }
    if (request == null) {
      return Optional.empty();
    }
    return Optional.of(audit(id, request, view, calls, snapshot));
  }

  private record StepEffectsCall(String uses, String phase, JsonNode with, JsonNode outputs) {}

  private static RunAudit audit(
      String id,
      RunRequest request,
      RunView view,
      Map<String, List<StepEffectsCall>> calls,
      Runs.Snapshot snapshot) {
    Plan plan = request.plan();
    JsonNode planJson = Redaction.plan(PlanJson.mapper().valueToTree(plan));
    List<RunAudit.Step> steps = new ArrayList<>();
    for (int i = 0; i < view.steps().size(); i++) {
      StepRecord r = view.steps().get(i);
      List<StepEffects.Sql> sql = new ArrayList<>();
      List<StepEffects.Resource> resources = new ArrayList<>();
      for (StepEffectsCall call :
          calls.getOrDefault(r.environment() + "/" + r.stepId(), List.of())) {
        JsonNode with = Redaction.tree(call.with());
        sql.addAll(StepEffects.sql(call.uses(), call.phase(), with, call.outputs()));
        if (!"preview".equals(call.phase())) {
          resources.addAll(StepEffects.resources(call.uses(), with, call.outputs()));
        }
      }
      steps.add(
          new RunAudit.Step(
              i,
              r.environment(),
              r.stepId(),
              r.uses(),
              r.name(),
              r.outcome().name(),
              r.summary(),
              instant(r.startedAt()),
              instant(r.finishedAt()),
              sql,
              resources));
    }
    List<RunAudit.Approval> approvals = new ArrayList<>();
    for (ApprovalRecord a : view.approvals()) {
      approvals.add(
          new RunAudit.Approval(
              a.gate(),
              a.approver(),
              a.decision().name(),
              a.comment(),
              instant(a.at()),
              plan.hash()));
    }
    List<RunAudit.Compensation> undos = new ArrayList<>();
    for (CompensationRecord c : view.compensations()) {
      undos.add(
          new RunAudit.Compensation(
              c.environment(), c.forStep(), c.uses(), c.outcome().name(), c.message(), null));
    }
    List<RunAudit.Refusal> refusals =
        view.refusals().stream().map(t -> new RunAudit.Refusal(t, null)).toList();
    return new RunAudit(
        "temporal",
        id,
        plan.runbook().name(),
        plan.runbook().version(),
        plan.runbook().sha256(),
        plan.target(),
        view.environment(),
        request.launcher(),
        request.ticket(),
        planJson.path("params"),
        planJson,
        plan.hash(),
        view.status().name(),
        view.failure(),
        snapshot.started(),
        snapshot.closed() ? snapshot.description().getCloseTime() : null,
        steps,
        approvals,
        undos,
        refusals,
        view.audit() == null ? "" : view.audit());
  }

  private static <T> T decode(DataConverter data, Payloads payloads, Class<T> type) {
    return data.fromPayloads(0, Optional.of(payloads), type, type);
  }

  private static Instant instant(long millis) {
    return millis <= 0 ? null : Instant.ofEpochMilli(millis);
  }
}
