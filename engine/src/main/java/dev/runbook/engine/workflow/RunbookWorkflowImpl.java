package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.ApprovalPolicy;
import dev.runbook.engine.plan.ApprovalStep;
import dev.runbook.engine.plan.AssertStep;
import dev.runbook.engine.plan.Compensation;
import dev.runbook.engine.plan.LeaseStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.plan.RetryPolicy;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.plan.WaitStep;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Interprets a {@link Plan}: stages in order behind their gates, steps as activities on their
 * environment's queue, undos newest-first on any failure, {@code finally} always. Deterministic:
 * see package-info.
 */
public class RunbookWorkflowImpl implements RunbookWorkflow {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Version markers of interpreter changes (see package-info). */
  static final String TARGET_LOCKS = "target-locks";

  static final String PLAN_HASH_ONCE = "plan-hash-once";

  static final String SQL_PREVIEW = "sql-preview";

  static final String LEASE_STEP = "lease-step";

  /** {@code finally} steps read the outputs of the main body's steps (see {@link #runFinally}). */
  static final String FINALLY_READS_STEPS = "finally-reads-steps";

  /** Step types that preview their change (done and rolled back) before applying it. */
  static final java.util.Set<String> PREVIEWED = java.util.Set.of("sql.change");

  /**
   * How long a step's attempt may go without a heartbeat before Temporal retries it elsewhere. The
   * worker heartbeats every running step ({@code StepHeartbeats}), so this is how soon a step comes
   * back after its worker died; the step's own timeout still bounds the attempt. Only options, not
   * commands: histories recorded without it replay unchanged.
   */
  public static final Duration STEP_HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);

  private RunRequest request;
  private Plan plan;
  private RunStatus status = RunStatus.RUNNING;
  private String environment = "";
  private String currentStep = "";
  private String failure = "";
  private final List<StepRecord> steps = new ArrayList<>();
  private final List<ApprovalRecord> approvals = new ArrayList<>();
  private final List<CompensationRecord> compensations = new ArrayList<>();
  private final List<String> refusals = new ArrayList<>();
  private final Deque<PendingUndo> undos = new ArrayDeque<>();
  private final Map<String, Object> runFacts = new LinkedHashMap<>();
  private GateState openGate;
  private CancellationScope main;
  private CancelRequest cancelRequest;
  private final List<TargetLockWorkflow> locks = new ArrayList<>();
  private LeaseState lease;
  private AuditTrail audit = AuditTrail.OFF;
  private AutoNotices notices = AutoNotices.OFF;

  /** Each stage's scope by environment: what its steps did, for {@code finally} to read. */
  private final Map<String, RunScope> stageScopes = new LinkedHashMap<>();

  /** An undo registered before its step acted, with the scope to resolve its inputs in. */
  private record PendingUndo(Stage stage, ActivityStep step, RunScope scope) {}

  @Override
  public RunView run(RunRequest runRequest) {
    this.request = runRequest;
    this.plan = runRequest.plan();
    Workflow.getVersion("interpreter", Workflow.DEFAULT_VERSION, 1);
    runFacts.put("id", Workflow.getInfo().getWorkflowId());
    runFacts.put("launcher", runRequest.launcher());
    runFacts.put("status", "running");
    runFacts.put("runbook", plan.runbook().name());
    runFacts.put("version", (long) plan.runbook().version());
    runFacts.put("planHash", plan.hash());
    runFacts.put("ticket", runRequest.ticket());
    runFacts.put("environment", "");
    audit = AuditTrail.begin(runRequest); // off for runs started before it existed
    audit.flush(view(), false);
    notices = AutoNotices.begin(); // off for runs started before automatic notices

    RunStatus ending = null;
    if (!planIntact()) {
      ending = RunStatus.FAILED;
      failure = "the plan does not match its hash: it was altered after compiling";
    } else {
      main =
          Workflow.newCancellationScope(
              () -> {
                // Runs started before target locks existed replay without them.
                if (Workflow.getVersion(TARGET_LOCKS, Workflow.DEFAULT_VERSION, 1) >= 1) {
                  acquireLocks();
                }
                runStages();
              });
      if (cancelRequest != null) {
        main.cancel(cancelRequest.reason()); // cancelled before the run got going
      }
      try {
        main.run();
      } catch (RunEnded e) {
        ending = e.status();
        failure = e.getMessage();
      } catch (CanceledFailure e) {
        ending = RunStatus.CANCELLED;
        failure =
            cancelRequest == null
                ? "cancelled"
                : "cancelled by " + cancelRequest.by() + ": " + cancelRequest.reason();
      } catch (ActivityFailure e) {
        ending = RunStatus.FAILED;
        failure = describe(e);
      } catch (ApplicationFailure e) {
        ending = RunStatus.FAILED;
        failure = e.getOriginalMessage();
      }
    }
    if (ending == null) {
      move(RunStatus.COMPLETED);
    } else {
      move(RunStatus.COMPENSATING);
      boolean[] clean = {true};
      Workflow.newDetachedCancellationScope(() -> clean[0] = compensate()).run();
      move(clean[0] ? ending : RunStatus.COMPENSATION_INCOMPLETE);
    }
    Workflow.newDetachedCancellationScope(this::releaseLocks).run();
    Workflow.newDetachedCancellationScope(this::runFinally).run();
    // Detached: a run cancelled through Temporal still says how it ended.
    java.util.Set<String> finallyIds = new java.util.LinkedHashSet<>();
    plan.finallySteps().forEach(s -> finallyIds.add(s.id()));
    Workflow.newDetachedCancellationScope(
            () -> notices.ended(request, lastStage(), view(), finallyIds))
        .run();
    audit.flush(view(), true);
    return view();
  }

  /**
   * Whether the plan still matches its hash. Recorded once in history (a side effect), so a later
   * change to the canonical form cannot change the answer for runs in flight.
   */
  private boolean planIntact() {
    if (Workflow.getVersion(PLAN_HASH_ONCE, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return PlanJson.hash(plan).equals(plan.hash());
    }
    return Workflow.sideEffect(Boolean.class, () -> PlanJson.hash(plan).equals(plan.hash()));
  }

  /**
   * One change run per database at a time: each database the plan changes is locked by a child
   * workflow whose id names it. A second run finds the id taken and stops before doing anything,
   * naming the run that holds it.
   */
  private void acquireLocks() {
    String runId = Workflow.getInfo().getWorkflowId();
    for (Map.Entry<String, String> target : TargetLocks.of(plan).entrySet()) {
      TargetLockWorkflow lock =
          Workflow.newChildWorkflowStub(
              TargetLockWorkflow.class,
              ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(target.getKey())
                  .setTaskQueue(CONTROL_QUEUE)
                  .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
                  .setWorkflowIdReusePolicy(
                      WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                  .setStaticSummary(target.getValue() + " locked by " + runId)
                  .build());
      LockRequest claim =
          new LockRequest(runId, request.launcher(), plan.runbook().name(), target.getValue());
      // Started outside the cancellable part: cancelling the run must not cancel its locks
      // before the undos (which still change the database) have run.
      Workflow.newDetachedCancellationScope(() -> Async.procedure(lock::hold, claim)).run();
      try {
        Workflow.getWorkflowExecution(lock).get();
      } catch (TemporalFailure e) {
        String holder =
            Workflow.newActivityStub(
                    LockActivities.class,
                    ActivityOptions.newBuilder()
                        .setTaskQueue(CONTROL_QUEUE)
                        .setStartToCloseTimeout(Duration.ofSeconds(30))
                        .setSummary("who holds " + target.getValue())
                        .build())
                .holderOf(target.getKey());
        throw new RunEnded(
            RunStatus.FAILED,
            target.getValue()
                + " is being changed by "
                + holder
                + "; one change run per database at a time");
      }
      locks.add(lock);
    }
  }

  private void releaseLocks() {
    for (TargetLockWorkflow lock : locks) {
      try {
        lock.release();
      } catch (TemporalFailure e) {
        // Already gone (terminated or timed out): nothing left to release.
      }
    }
    locks.clear();
  }

  private void runStages() {
    for (Stage stage : plan.stages()) {
      environment = stage.environment();
      runFacts.put("environment", environment);
      upsertEnvironment();
      RunScope scope = new RunScope(plan.params(), stage.facts(), runFacts);
      stageScopes.put(stage.environment(), scope);
      if (stage.gateBefore() != null) {
        String message = stage.gateBefore().policy().message();
        awaitGate(
            stage.gateBefore().name() + "@" + stage.environment(),
            stage,
            stage.gateBefore().policy(),
            message,
            summaryOfPreviousStage());
      }
      for (Step step : stage.steps()) {
        runStep(stage, step, scope);
      }
    }
    currentStep = "";
  }

  private void runStep(Stage stage, Step step, RunScope scope) {
    audit.flush(view(), false); // what the previous step did
    currentStep = step.id();
    long started = Workflow.currentTimeMillis();
    boolean runs;
    try {
      runs = scope.test(step.when());
    } catch (ExpressionException e) {
      throw record(stage, step, started, FailureType.EXPRESSION_ERROR, "when: " + e.getMessage());
    }
    if (!runs) {
      steps.add(
          new StepRecord(
              stage.environment(),
              step.id(),
              uses(step),
              step.name(),
              StepOutcome.SKIPPED,
              "skipped: when is false",
              started,
              started));
      scope.recordStep(step.id(), StepOutcome.SKIPPED, null);
      return;
    }
    int index = steps.size();
    steps.add(
        new StepRecord(
            stage.environment(),
            step.id(),
            uses(step),
            step.name(),
            StepOutcome.RUNNING,
            "",
            started,
            0));
    String summary;
    JsonNode outputs = NODES.objectNode();
    switch (step) {
      case ActivityStep activity -> {
        StepResult result = runActivity(stage, activity, scope, index, started);
        outputs = result.outputs() == null ? NODES.objectNode() : result.outputs();
        summary = result.summary() == null ? "" : result.summary();
      }
      case ApprovalStep approval -> {
        ObjectNode shows = NODES.objectNode();
        approval.shows().forEach(id -> shows.set(id, scope.outputsOf(id)));
        String message = resolveText(scope, approval.policy().message(), stage, step, started);
        List<String> decided =
            awaitStepGate(stage, step, approval.policy(), message, shows, scope, index);
        ObjectNode out = NODES.objectNode();
        out.set("approvers", JsonValuesArray.of(decided));
        out.put("decision", "approve");
        outputs = out;
        summary = "approved by " + String.join(", ", decided);
      }
      case WaitStep wait -> {
        Workflow.newTimer(
                wait.duration(),
                TimerOptions.newBuilder()
                    .setSummary(step.name() + " (" + stage.environment() + ")")
                    .build())
            .get();
        summary = "waited " + wait.duration();
      }
      case LeaseStep held -> {
        Workflow.getVersion(LEASE_STEP, Workflow.DEFAULT_VERSION, 1); // only new plans hold leases
        lease = new LeaseState(held, request.launcher(), Workflow.currentTimeMillis());
        LeaseState.Ending ending = lease.hold();
        outputs = lease.outputs(ending);
        summary = lease.summary(ending, Workflow.currentTimeMillis());
      }
      case AssertStep check -> {
        boolean holds;
        try {
          holds = scope.test(check.that());
        } catch (ExpressionException e) {
          throw record(stage, step, started, FailureType.EXPRESSION_ERROR, e.getMessage());
        }
        if (!holds) {
          String message =
              check.message().isEmpty() ? "assertion failed" : assertMessage(scope, check);
          failStep(index, scope, step, message);
          throw new RunEnded(RunStatus.FAILED, "step " + step.id() + ": " + message);
        }
        summary = "holds";
      }
    }
    finish(index, StepOutcome.COMPLETED, summary);
    scope.recordStep(step.id(), StepOutcome.COMPLETED, outputs);
  }

  private StepResult runActivity(
      Stage stage, ActivityStep step, RunScope scope, int index, long started) {
    JsonNode with;
    try {
      with = scope.resolve(step.with());
    } catch (ExpressionException e) {
      throw record(stage, step, started, FailureType.EXPRESSION_ERROR, e.getMessage());
    }
    // A change is previewed (done and rolled back) first; the gate shows the preview and the
    // apply must match what was approved. Runs started before previews existed skip this.
    StepResult preview = null;
    if (PREVIEWED.contains(step.uses())
        && with.path("preview").asBoolean(true)
        && Workflow.getVersion(SQL_PREVIEW, Workflow.DEFAULT_VERSION, 1) >= 1) {
      preview = execute(stage, step, with, StepRequest.PREVIEW, null, scope, index);
    }
    if (step.approval() != null) {
      ObjectNode shows = NODES.objectNode();
      ObjectNode what = shows.putObject(step.id());
      what.put("uses", step.uses());
      what.set("with", with);
      if (preview != null) {
        what.set("preview", preview.outputs());
      }
      String message = resolveText(scope, step.approval().message(), stage, step, started);
      awaitStepGate(stage, step, step.approval(), message, shows, scope, index);
    }
    if (step.compensate() != null) {
      undos.push(new PendingUndo(stage, step, scope)); // registered before the step acts
    }
    return preview == null
        ? execute(stage, step, with, StepRequest.RUN, null, scope, index)
        : execute(stage, step, with, StepRequest.APPLY, preview.outputs(), scope, index);
  }

  private StepResult execute(
      Stage stage,
      ActivityStep step,
      JsonNode with,
      String phase,
      JsonNode approvedPreview,
      RunScope scope,
      int index) {
    String key = Workflow.getInfo().getWorkflowId() + "/" + stage.environment() + "/" + step.id();
    StepRequest stepRequest =
        new StepRequest(
            Workflow.getInfo().getWorkflowId(),
            plan.runbook().name(),
            stage.environment(),
            step.id(),
            step.uses(),
            with,
            plan.hash(),
            request.launcher(),
            key,
            phase,
            approvedPreview);
    String name = StepRequest.PREVIEW.equals(phase) ? "preview " + step.name() : step.name();
    try {
      StepResult result =
          Workflow.newUntypedActivityStub(options(stage, name, step.timeout(), step.retry()))
              .execute(step.uses(), StepResult.class, stepRequest);
      audit.called(index, phase, with, result.outputs());
      return result;
    } catch (ActivityFailure e) {
      failStep(
          index, scope, step, (StepRequest.PREVIEW.equals(phase) ? "preview: " : "") + describe(e));
      throw e;
    }
  }

  private ActivityOptions options(Stage stage, String name, Duration timeout, RetryPolicy retry) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(stage.taskQueue())
        .setStartToCloseTimeout(timeout)
        .setHeartbeatTimeout(STEP_HEARTBEAT_TIMEOUT)
        .setSummary(name + " (" + stage.environment() + ")")
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setMaximumAttempts(retry.maxAttempts())
                .setInitialInterval(retry.initialInterval())
                .setBackoffCoefficient(retry.backoff())
                .setMaximumInterval(retry.maxInterval())
                .setDoNotRetry(FailureType.nonRetryableNames())
                .build())
        .build();
  }

  /** Waits at a step's gate; if the run ends there, the step is recorded as failed. */
  private List<String> awaitStepGate(
      Stage stage,
      Step step,
      ApprovalPolicy policy,
      String message,
      JsonNode shows,
      RunScope scope,
      int index) {
    try {
      return awaitGate(stage.environment() + "/" + step.id(), stage, policy, message, shows);
    } catch (RunEnded | CanceledFailure e) {
      failStep(index, scope, step, endedAtGate(e));
      throw e;
    }
  }

  /** Marks a step failed in the run's record and in what later expressions read. */
  private void failStep(int index, RunScope scope, Step step, String summary) {
    finish(index, StepOutcome.FAILED, summary);
    scope.recordStep(step.id(), StepOutcome.FAILED, null);
  }

  /** Opens a gate, waits for its decision or deadline; returns who approved. */
  private List<String> awaitGate(
      String id, Stage stage, ApprovalPolicy policy, String message, JsonNode shows) {
    long deadline = Workflow.currentTimeMillis() + policy.timeout().toMillis();
    GateState gate = new GateState(id, stage.environment(), policy, shows, message, deadline);
    openGate = gate;
    move(RunStatus.WAITING_APPROVAL);
    notices.approvalNeeded(request, stage, id, policy, message, deadline);
    boolean decided = Workflow.await(policy.timeout(), gate::decided);
    openGate = null;
    if (!decided) {
      if (policy.onTimeout() == ApprovalPolicy.TimeoutOutcome.REJECT) {
        throw new RunEnded(RunStatus.REJECTED, "gate " + id + " was not decided in time: rejected");
      }
      throw new RunEnded(RunStatus.TIMED_OUT, "gate " + id + " was not decided in time");
    }
    if (gate.rejection != null) {
      ApprovalRecord r = gate.rejection;
      throw new RunEnded(
          RunStatus.REJECTED,
          "rejected by "
              + r.approver()
              + " at gate "
              + id
              + (r.comment() == null || r.comment().isBlank() ? "" : ": " + r.comment()));
    }
    move(RunStatus.RUNNING);
    return new ArrayList<>(gate.approvals.keySet());
  }

  /**
   * Refused decisions recorded per run; past it a refusal is still answered (by the validator) but
   * leaves no trace, so a flood of refused updates cannot grow the history without bound.
   */
  static final int MAX_RECORDED_REFUSALS = 50;

  @Override
  public void validateDecide(ApprovalDecision decision) {
    if (request == null) {
      throw new IllegalArgumentException("the run is starting; decide again in a moment");
    }
    if (decision == null
        || decision.approver() == null
        || decision.approver().isBlank()
        || decision.decision() == null
        || refusals.size() >= MAX_RECORDED_REFUSALS) {
      // malformed (no one to record), or the record is full: refused here, not recorded
      decisionRefusal(decision)
          .ifPresent(
              reason -> {
                throw new IllegalArgumentException(reason);
              });
    }
    // Any other refusal is accepted and refused by the handler, which records it in the run.
  }

  /** Why a decision may not count now, or empty. */
  private Optional<String> decisionRefusal(ApprovalDecision decision) {
    return ApprovalRules.refusal(
        openGate,
        decision,
        request.launcher(),
        plan.hash(),
        status.isFinal() || openGate == null && status == RunStatus.COMPENSATING);
  }

  @Override
  public ApprovalAnswer decide(ApprovalDecision decision) {
    // Checked again here: a refusal is recorded (who and why; the history holds when) and the
    // update fails with the reason, so it never counts as an approval.
    if (request == null) { // the validator refuses these; kept for safety
      throw ApplicationFailure.newNonRetryableFailure(
          "the run is starting; decide again in a moment", "ApprovalRefused");
    }
    Optional<String> refusal = decisionRefusal(decision);
    if (refusal.isPresent()) {
      if (refusals.size() < MAX_RECORDED_REFUSALS
          && decision != null
          && decision.approver() != null
          && !decision.approver().isBlank()) {
        refusals.add(decision.approver() + ": " + refusal.get());
      }
      throw ApplicationFailure.newNonRetryableFailure(refusal.get(), "ApprovalRefused");
    }
    return count(decision);
  }

  /** Counts a decision the rules allow at the open gate. */
  private ApprovalAnswer count(ApprovalDecision decision) {
    GateState gate = openGate;
    ApprovalRecord record =
        new ApprovalRecord(
            gate.id,
            decision.approver(),
            decision.decision(),
            decision.comment() == null ? "" : decision.comment(),
            Workflow.currentTimeMillis());
    approvals.add(record);
    if (decision.decision() == Decision.REJECT) {
      gate.rejection = record;
    } else {
      gate.approvals.put(decision.approver(), record);
    }
    upsertApprovers();
    boolean opened = gate.rejection == null && gate.decided();
    String message =
        decision.decision() == Decision.REJECT
            ? "rejected: the run stops and its undos run"
            : opened
                ? "approved: gate " + gate.id + " is open"
                : "approved: " + gate.approvals.size() + " of " + gate.policy.min() + " approvals";
    return new ApprovalAnswer(gate.id, message, gate.approvals.size(), gate.policy.min(), opened);
  }

  @Override
  public void decideSignal(ApprovalDecision decision) {
    if (request == null) {
      return; // before the run started nothing is open; a signal is not retried by the sender
    }
    Optional<String> refusal =
        ApprovalRules.refusal(
            openGate, decision, request.launcher(), plan.hash(), status.isFinal());
    if (refusal.isPresent()) {
      String who = decision == null ? "(unknown)" : decision.approver();
      if (refusals.size() < MAX_RECORDED_REFUSALS) {
        refusals.add(who + ": " + refusal.get());
      }
    } else {
      count(decision);
    }
  }

  @Override
  public void validateLease(LeaseRequest leaseRequest) {
    if (lease == null) {
      throw new IllegalArgumentException(
          "the run holds no lease now"
              + (currentStep.isEmpty() ? "" : " (it is at step " + currentStep + ")"));
    }
    lease
        .refusal(leaseRequest)
        .ifPresent(
            reason -> {
              throw new IllegalArgumentException(reason);
            });
  }

  @Override
  public LeaseAnswer lease(LeaseRequest leaseRequest) {
    return lease.apply(leaseRequest, Workflow.currentTimeMillis());
  }

  @Override
  public void cancel(CancelRequest cancel) {
    if (cancelRequest == null) {
      cancelRequest = cancel;
      if (main != null) {
        main.cancel(cancel.reason());
      }
    }
  }

  @Override
  public RunView view() {
    List<GateView> gates = openGate == null ? List.of() : List.of(openGate.view());
    return new RunView(
        plan == null ? "" : plan.runbook().name(),
        plan == null ? 0 : plan.runbook().version(),
        plan == null ? "" : plan.target(),
        plan == null ? "" : plan.hash(),
        request == null ? "" : request.launcher(),
        request == null ? "" : request.ticket(),
        status,
        environment,
        currentStep,
        gates,
        List.copyOf(steps),
        List.copyOf(approvals),
        List.copyOf(compensations),
        failure,
        List.copyOf(refusals),
        audit.problem(),
        notices == AutoNotices.OFF ? null : notices.outcomes());
  }

  /** Runs the registered undos newest first; one failing does not stop the others. */
  private boolean compensate() {
    boolean clean = true;
    while (!undos.isEmpty()) {
      PendingUndo undo = undos.pop();
      Compensation c = undo.step().compensate();
      JsonNode with;
      try {
        with = undo.scope().resolve(c.with());
      } catch (ExpressionException e) {
        compensations.add(
            new CompensationRecord(
                undo.stage().environment(),
                undo.step().id(),
                c.uses(),
                StepOutcome.SKIPPED,
                "nothing to undo: the step produced no outputs (" + e.getMessage() + ")"));
        continue;
      }
      StepRequest undoRequest =
          new StepRequest(
              Workflow.getInfo().getWorkflowId(),
              plan.runbook().name(),
              undo.stage().environment(),
              undo.step().id(),
              c.uses(),
              with,
              plan.hash(),
              request.launcher(),
              Workflow.getInfo().getWorkflowId()
                  + "/"
                  + undo.stage().environment()
                  + "/"
                  + undo.step().id()
                  + "/undo");
      try {
        StepResult result =
            Workflow.newUntypedActivityStub(
                    options(undo.stage(), "undo " + undo.step().name(), c.timeout(), c.retry()))
                .execute(c.uses(), StepResult.class, undoRequest);
        compensations.add(
            new CompensationRecord(
                undo.stage().environment(),
                undo.step().id(),
                c.uses(),
                StepOutcome.COMPLETED,
                result.summary() == null ? "" : result.summary()));
      } catch (TemporalFailure e) {
        clean = false;
        compensations.add(
            new CompensationRecord(
                undo.stage().environment(),
                undo.step().id(),
                c.uses(),
                StepOutcome.FAILED,
                describe(e)));
      }
    }
    return clean;
  }

  /**
   * {@code finally} steps: always run, against the last environment reached. They read the main
   * body's steps of that environment ({@code steps.<id>.status} and {@code .outputs}); a step that
   * did not run reads as status {@code not-run}, and an output a step did not produce (it failed,
   * was skipped or never ran) as null. Runs started before that was so read only their own steps.
   */
  private void runFinally() {
    if (plan.finallySteps().isEmpty()) {
      return;
    }
    Stage last = lastStage();
    RunScope scope;
    if (Workflow.getVersion(FINALLY_READS_STEPS, Workflow.DEFAULT_VERSION, 1) >= 1) {
      RunScope main = stageScopes.get(last.environment());
      scope =
          main == null
              ? new RunScope(plan.params(), last.facts(), runFacts).forFinally(last.steps())
              : main.forFinally(last.steps());
    } else {
      scope = new RunScope(plan.params(), last.facts(), runFacts);
    }
    for (Step step : plan.finallySteps()) {
      try {
        runStep(last, step, scope);
      } catch (RunEnded | TemporalFailure e) {
        // Recorded on the step; finally steps never change how the run ended.
      }
    }
    currentStep = "";
  }

  /** The stage of the last environment reached (the first when none was). */
  private Stage lastStage() {
    return plan.stages().stream()
        .filter(s -> s.environment().equals(environment))
        .findFirst()
        .orElse(plan.stages().get(0));
  }

  private String resolveText(RunScope scope, String text, Stage stage, Step step, long started) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    try {
      return scope.resolve(NODES.textNode(text)).asText();
    } catch (ExpressionException e) {
      throw record(stage, step, started, FailureType.EXPRESSION_ERROR, e.getMessage());
    }
  }

  /**
   * The assert's message with its expressions filled in. A message that cannot be rendered is shown
   * as written rather than turning the failed check into an expression error, so runs recorded
   * before messages were rendered take the same path on replay.
   */
  private static String assertMessage(RunScope scope, AssertStep check) {
    try {
      return scope.resolve(NODES.textNode(check.message())).asText();
    } catch (ExpressionException e) {
      return check.message();
    }
  }

  /** Records a failed step and returns the failure to throw. */
  private ApplicationFailure record(
      Stage stage, Step step, long started, FailureType type, String message) {
    steps.add(
        new StepRecord(
            stage.environment(),
            step.id(),
            uses(step),
            step.name(),
            StepOutcome.FAILED,
            message,
            started,
            Workflow.currentTimeMillis()));
    return type.failure("step " + step.id() + ": " + message);
  }

  private void finish(int index, StepOutcome outcome, String summary) {
    StepRecord r = steps.get(index);
    steps.set(
        index,
        new StepRecord(
            r.environment(),
            r.stepId(),
            r.uses(),
            r.name(),
            outcome,
            summary,
            r.startedAt(),
            Workflow.currentTimeMillis()));
  }

  private JsonNode summaryOfPreviousStage() {
    ObjectNode shows = NODES.objectNode();
    for (StepRecord r : steps) {
      shows.put(
          r.environment() + "/" + r.stepId(),
          r.outcome().name().toLowerCase() + ": " + r.summary());
    }
    return shows;
  }

  /** Why a run ended while a gate was open, for that gate's step. */
  private String endedAtGate(RuntimeException e) {
    if (e instanceof RunEnded) {
      return e.getMessage();
    }
    return cancelRequest == null
        ? "cancelled"
        : "cancelled by " + cancelRequest.by() + ": " + cancelRequest.reason();
  }

  private void move(RunStatus next) {
    if (status == next) {
      return;
    }
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException("illegal run status change " + status + " -> " + next);
    }
    status = next;
    runFacts.put("status", next.name().toLowerCase());
    Workflow.upsertTypedSearchAttributes(RunSearchAttributes.RUN_STATUS.valueSet(next.name()));
    audit.flush(view(), false);
  }

  private void upsertEnvironment() {
    Workflow.upsertTypedSearchAttributes(RunSearchAttributes.ENVIRONMENT.valueSet(environment));
  }

  private void upsertApprovers() {
    List<String> names =
        approvals.stream().map(ApprovalRecord::approver).distinct().sorted().toList();
    Workflow.upsertTypedSearchAttributes(RunSearchAttributes.APPROVERS.valueSet(names));
  }

  private static String uses(Step step) {
    return switch (step) {
      case ActivityStep a -> a.uses();
      case ApprovalStep a -> "approval";
      case WaitStep w -> "wait";
      case AssertStep a -> "assert";
      case LeaseStep l -> "lease";
    };
  }

  private static String describe(TemporalFailure e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure app) {
      return app.getType() + ": " + app.getOriginalMessage();
    }
    if (cause instanceof TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return cause.getMessage();
  }
}
