package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.AuditActivities;
import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.activities.AuditReceipt;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * Sends a run's audit records to the audit store while the run goes on: at the start, before each
 * step, on every status change and at the end, what changed since the last batch, as one local
 * activity (one marker in history per batch, no task queue round trip).
 *
 * <p>When the store fails: each batch is tried {@link #MAX_ATTEMPTS} times within {@link
 * #BATCH_LIMIT}; then the run goes on (an audit outage never stops a production procedure
 * half-way), the records stay pending and are sent again with the next batch, and the run's view
 * says so in {@link RunView#audit()} (shown by {@code runbook status}) and the worker logs it.
 * {@code runbook audit} reads Temporal history while it exists, so nothing is lost unless the store
 * stays down past history's retention.
 */
final class AuditTrail {
  /** The version marker of this change (see package-info). */
  static final String CHANGE_ID = "audit-trail";

  /** How long one batch may take, retries included, before the run goes on without it. */
  static final Duration BATCH_LIMIT = Duration.ofSeconds(15);

  /** Attempts per batch: a batch not stored is sent again with the next one anyway. */
  static final int MAX_ATTEMPTS = 3;

  private static final Logger LOG = Workflow.getLogger(AuditTrail.class);

  /** For runs started before the audit trail existed: sends nothing. */
  static final AuditTrail OFF = new AuditTrail(null, null);

  private final RunRequest request;
  private final AuditActivities store;
  private final long startedAt;
  private final TreeMap<Integer, List<AuditBatch.Call>> calls = new TreeMap<>();
  private final List<AuditBatch.Step> sentSteps = new ArrayList<>();
  private final List<Long> compensationTimes = new ArrayList<>();
  private final List<Long> refusalTimes = new ArrayList<>();
  private int sentApprovals;
  private int sentCompensations;
  private int sentRefusals;
  private boolean planSent;
  private boolean ended;
  private boolean declined;
  private String lastStatus = "";
  private String problem = "";

  private AuditTrail(RunRequest request, AuditActivities store) {
    this.request = request;
    this.store = store;
    this.startedAt = store == null ? 0 : Workflow.currentTimeMillis();
  }

  /** The trail of a run: on for runs started by an engine that has it. */
  static AuditTrail begin(RunRequest request) {
    if (Workflow.getVersion(CHANGE_ID, Workflow.DEFAULT_VERSION, 1) < 1) {
      return OFF;
    }
    AuditActivities store =
        Workflow.newLocalActivityStub(
            AuditActivities.class,
            LocalActivityOptions.newBuilder()
                .setScheduleToCloseTimeout(BATCH_LIMIT)
                .setStartToCloseTimeout(Duration.ofSeconds(5))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(200))
                        .setBackoffCoefficient(2)
                        .setMaximumAttempts(MAX_ATTEMPTS)
                        .build())
                .build());
    return new AuditTrail(request, store);
  }

  /** Remembers what a step's activity did (inputs and outputs), for the next batch. */
  void called(int stepIndex, String phase, JsonNode with, JsonNode outputs) {
    if (store != null) {
      calls
          .computeIfAbsent(stepIndex, i -> new ArrayList<>())
          .add(new AuditBatch.Call(phase, with, outputs));
    }
  }

  /** Why records are missing from the store, or empty when it holds all of them. */
  String problem() {
    return problem;
  }

  /**
   * Sends what changed since the last batch that was stored.
   *
   * @param end whether the run is over (its end time is set)
   */
  void flush(RunView view, boolean end) {
    if (store == null) {
      return;
    }
    long now = Workflow.currentTimeMillis();
    while (compensationTimes.size() < view.compensations().size()) {
      compensationTimes.add(now);
    }
    while (refusalTimes.size() < view.refusals().size()) {
      refusalTimes.add(now);
    }
    List<AuditBatch.Step> steps = new ArrayList<>();
    List<AuditBatch.Step> current = new ArrayList<>();
    for (int i = 0; i < view.steps().size(); i++) {
      StepRecord r = view.steps().get(i);
      AuditBatch.Step step =
          new AuditBatch.Step(
              i,
              r.environment(),
              r.stepId(),
              r.uses(),
              r.name(),
              r.outcome().name(),
              r.summary(),
              r.startedAt(),
              r.finishedAt(),
              calls.getOrDefault(i, List.of()));
      current.add(step);
      if (i >= sentSteps.size() || !sentSteps.get(i).equals(step)) {
        steps.add(step);
      }
    }
    List<AuditBatch.Approval> approvals = new ArrayList<>();
    for (int i = sentApprovals; i < view.approvals().size(); i++) {
      ApprovalRecord a = view.approvals().get(i);
      approvals.add(
          new AuditBatch.Approval(
              i,
              a.gate(),
              a.approver(),
              a.decision().name(),
              a.comment(),
              a.at(),
              view.planHash()));
    }
    List<AuditBatch.Compensation> compensations = new ArrayList<>();
    for (int i = sentCompensations; i < view.compensations().size(); i++) {
      CompensationRecord c = view.compensations().get(i);
      compensations.add(
          new AuditBatch.Compensation(
              i,
              c.environment(),
              c.forStep(),
              c.uses(),
              c.outcome().name(),
              c.message(),
              compensationTimes.get(i)));
    }
    List<AuditBatch.Refusal> refusals = new ArrayList<>();
    for (int i = sentRefusals; i < view.refusals().size(); i++) {
      refusals.add(new AuditBatch.Refusal(i, view.refusals().get(i), refusalTimes.get(i)));
    }
    boolean nothingNew =
        planSent
            && steps.isEmpty()
            && approvals.isEmpty()
            && compensations.isEmpty()
            && refusals.isEmpty()
            && !end
            && view.status().name().equals(lastStatus);
    if (nothingNew || ended || declined) {
      return;
    }
    AuditBatch batch =
        new AuditBatch(
            Workflow.getInfo().getWorkflowId(),
            new AuditBatch.Run(
                planSent ? null : request.plan(),
                request.launcher(),
                request.ticket(),
                view.status().name(),
                view.environment(),
                view.failure(),
                startedAt,
                end ? now : 0),
            steps,
            approvals,
            compensations,
            refusals);
    AuditReceipt receipt;
    try {
      AuditReceipt[] answer = new AuditReceipt[1];
      // Detached: cancelling the run must not cancel the record of it.
      Workflow.newDetachedCancellationScope(() -> answer[0] = store.record(batch)).run();
      receipt = answer[0];
    } catch (ActivityFailure e) {
      int pending = steps.size() + approvals.size() + compensations.size() + refusals.size() + 1;
      problem =
          "audit store: "
              + pending
              + " record(s) not written yet ("
              + rootMessage(e)
              + "); sent again with the next batch";
      LOG.warn("run {}: {}", Workflow.getInfo().getWorkflowId(), problem);
      return;
    }
    planSent = true;
    lastStatus = view.status().name();
    ended = end;
    sentSteps.clear();
    sentSteps.addAll(current);
    sentApprovals = view.approvals().size();
    sentCompensations = view.compensations().size();
    sentRefusals = view.refusals().size();
    // A worker without a store says so once; the run then sends nothing more.
    declined = receipt != null && !receipt.stored();
    problem = declined ? "audit store: " + receipt.note() : "";
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof io.temporal.failure.ApplicationFailure app
        ? app.getOriginalMessage()
        : String.valueOf(cause.getMessage());
  }
}
