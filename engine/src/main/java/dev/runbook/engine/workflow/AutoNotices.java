package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.plan.ApprovalPolicy;
import dev.runbook.engine.plan.NoticeEvent;
import dev.runbook.engine.plan.Stage;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Notices the interpreter sends on its own: a gate opened (with the approve command), the run
 * completed, failed, or left undos undone. Each is the {@code notify} activity on the environment's
 * task queue, so the worker inside that network posts it (Slack webhook or its log).
 *
 * <p>Best effort: a notice that cannot be delivered is recorded in {@link RunView#notices()} and in
 * the worker log, and the run goes on as if it had been sent. A gate's notice is sent alongside the
 * wait (the gate's deadline does not move while Slack is slow); the end notice is waited for, at
 * most {@link #LIMIT}.
 *
 * <p>The text is made of the run's names (run id, runbook, environment, gate, launcher, ticket),
 * gate messages, and failure messages, which never hold a secret (secrets are fetched inside
 * activities and never put in failure messages); step inputs and outputs are never quoted.
 */
final class AutoNotices {
  /** The version marker of this change (see package-info). */
  static final String CHANGE_ID = "auto-notices";

  /** How long one notice may take, retries included, before the run goes on without it. */
  static final Duration LIMIT = Duration.ofMinutes(2);

  /** Failure messages are cut here; a notice points at {@code runbook status} for the rest. */
  static final int MAX_FAILURE = 500;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Logger LOG = Workflow.getLogger(AutoNotices.class);

  /** For runs started before automatic notices existed: sends nothing. */
  static final AutoNotices OFF = new AutoNotices(false);

  private final boolean on;
  private final List<String> outcomes = new ArrayList<>();

  private AutoNotices(boolean on) {
    this.on = on;
  }

  /** The notices of a run: on for runs started by an engine that has them. */
  static AutoNotices begin() {
    return Workflow.getVersion(CHANGE_ID, Workflow.DEFAULT_VERSION, 1) >= 1
        ? new AutoNotices(true)
        : OFF;
  }

  /** What happened to each notice sent so far, in order ("event: outcome"). */
  List<String> outcomes() {
    return List.copyOf(outcomes);
  }

  /** Whether the stage's environment (and the runbook) asked for this event. */
  static boolean wanted(Stage stage, NoticeEvent event) {
    for (JsonNode id : stage.facts().path(NoticeEvent.FACT)) {
      if (id.asText().equals(event.id())) {
        return true;
      }
    }
    return false;
  }

  /** A gate opened; sent without waiting, so the gate's clock is not held up by the channel. */
  void approvalNeeded(
      RunRequest request,
      Stage stage,
      String gateId,
      ApprovalPolicy policy,
      String message,
      long deadline) {
    if (!on || !wanted(stage, NoticeEvent.APPROVAL_NEEDED)) {
      return;
    }
    String runId = Workflow.getInfo().getWorkflowId();
    StringBuilder text = new StringBuilder();
    text.append(":raised_hand: Approval needed: run `")
        .append(runId)
        .append("` (")
        .append(about(request, stage))
        .append(") waits at gate `")
        .append(gateId)
        .append("` for ")
        .append(policy.min())
        .append(policy.min() == 1 ? " approval" : " approvals")
        .append(" from ")
        .append(who(policy))
        .append(", until ")
        .append(Instant.ofEpochMilli(deadline))
        .append('.');
    if (message != null && !message.isBlank()) {
      text.append('\n').append(cut(message));
    }
    String flags = namespaceFlag();
    text.append("\nApprove: `runbook approve ")
        .append(runId)
        .append(" --gate ")
        .append(gateId)
        .append(flags)
        .append('`')
        .append("\nReject: `runbook reject ")
        .append(runId)
        .append(" --gate ")
        .append(gateId)
        .append(" --reason TEXT")
        .append(flags)
        .append('`')
        .append("\nDetails: `runbook status ")
        .append(runId)
        .append(flags)
        .append('`');
    String label = NoticeEvent.APPROVAL_NEEDED.id() + " " + gateId;
    Promise<StepResult> sent =
        Async.function(
            stub(stage, label)::notify,
            notice(request, stage, NoticeEvent.APPROVAL_NEEDED, gateId, text.toString()));
    sent.handle(
        (result, failure) -> {
          record(label, result, failure);
          return null;
        });
  }

  /**
   * The run is over: {@code completed}, {@code compensation-incomplete}, or {@code failed} for
   * every other ending. Waited for (at most {@link #LIMIT}), so it goes out before the run closes.
   *
   * @param finallyIds the ids of the {@code finally} steps, left out of the count of steps done
   */
  void ended(RunRequest request, Stage stage, RunView view, java.util.Set<String> finallyIds) {
    NoticeEvent event =
        switch (view.status()) {
          case COMPLETED -> NoticeEvent.COMPLETED;
          case COMPENSATION_INCOMPLETE -> NoticeEvent.COMPENSATION_INCOMPLETE;
          default -> NoticeEvent.FAILED;
        };
    if (!on || !wanted(stage, event)) {
      return;
    }
    String runId = Workflow.getInfo().getWorkflowId();
    StringBuilder text = new StringBuilder();
    switch (event) {
      case COMPLETED -> text.append(":white_check_mark: Run `").append(runId).append("` completed");
      case COMPENSATION_INCOMPLETE ->
          text.append(":rotating_light: Run `")
              .append(runId)
              .append("` ended COMPENSATION_INCOMPLETE");
      default -> text.append(":x: Run `").append(runId).append("` ended ").append(view.status());
    }
    text.append(" (").append(about(request, stage)).append(")");
    if (!view.failure().isEmpty()) {
      text.append(": ").append(cut(view.failure()));
    }
    text.append('.');
    // the main body's steps: finally steps (already run) say nothing about how the run went
    long done =
        view.steps().stream()
            .filter(s -> s.outcome() == StepOutcome.COMPLETED && !finallyIds.contains(s.stepId()))
            .count();
    text.append("\n").append(done).append(done == 1 ? " step" : " steps").append(" completed");
    List<String> undos = new ArrayList<>();
    for (StepOutcome outcome :
        List.of(StepOutcome.COMPLETED, StepOutcome.FAILED, StepOutcome.SKIPPED)) {
      long n = view.compensations().stream().filter(c -> c.outcome() == outcome).count();
      if (n > 0) {
        undos.add(
            n
                + switch (outcome) {
                  case COMPLETED -> " done";
                  case FAILED -> " failed";
                  default -> " with nothing to undo";
                });
      }
    }
    if (!undos.isEmpty()) {
      text.append("; undos: ").append(String.join(", ", undos));
    }
    text.append('.');
    for (CompensationRecord c : view.compensations()) {
      if (c.outcome() == StepOutcome.FAILED) {
        text.append("\nUndo that failed: ")
            .append(c.environment())
            .append('/')
            .append(c.forStep())
            .append(" (")
            .append(c.uses())
            .append("): ")
            .append(cut(c.message()));
      }
    }
    if (event == NoticeEvent.COMPENSATION_INCOMPLETE) {
      text.append("\nSomeone must clean up by hand.");
    }
    text.append("\nDetails: `runbook status ")
        .append(runId)
        .append(namespaceFlag())
        .append("`, `runbook audit ")
        .append(runId)
        .append(namespaceFlag())
        .append('`');
    String label = event.id();
    StepResult result = null;
    TemporalFailure failure = null;
    try {
      result = stub(stage, label).notify(notice(request, stage, event, "", text.toString()));
    } catch (TemporalFailure e) {
      failure = e;
    }
    record(label, result, failure);
  }

  private void record(String label, StepResult result, Throwable failure) {
    if (failure == null) {
      outcomes.add(
          label + ": " + (result == null || result.summary() == null ? "sent" : result.summary()));
      return;
    }
    String why = "not sent (" + rootMessage(failure) + ")";
    outcomes.add(label + ": " + why);
    LOG.warn("run {}: notice {} {}", Workflow.getInfo().getWorkflowId(), label, why);
  }

  private static StepRequest notice(
      RunRequest request, Stage stage, NoticeEvent event, String gateId, String text) {
    String runId = Workflow.getInfo().getWorkflowId();
    ObjectNode with = NODES.objectNode();
    with.put("text", text);
    with.put("event", event.id());
    if (!gateId.isEmpty()) {
      with.put("gate", gateId);
    }
    String stepId = "notice/" + event.id() + (gateId.isEmpty() ? "" : "/" + gateId);
    return new StepRequest(
        runId,
        request.plan().runbook().name(),
        stage.environment(),
        stepId,
        "notify",
        with,
        request.plan().hash(),
        request.launcher(),
        runId + "/" + stage.environment() + "/" + stepId);
  }

  private static NotifyActivities stub(Stage stage, String label) {
    return Workflow.newActivityStub(
        NotifyActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(stage.taskQueue())
            .setScheduleToCloseTimeout(LIMIT)
            .setStartToCloseTimeout(Duration.ofSeconds(90))
            .setSummary("notice " + label + " (" + stage.environment() + ")")
            .setRetryOptions(
                RetryOptions.newBuilder()
                    // the webhook client already retries 5xx a few times inside one attempt
                    .setMaximumAttempts(2)
                    .setInitialInterval(Duration.ofSeconds(2))
                    .setDoNotRetry(FailureType.nonRetryableNames())
                    .build())
            .build());
  }

  private static String about(RunRequest request, Stage stage) {
    StringBuilder s = new StringBuilder();
    s.append(request.plan().runbook().name())
        .append(" v")
        .append(request.plan().runbook().version())
        .append(", ")
        .append(stage.environment())
        .append(", launched by ")
        .append(request.launcher());
    if (request.ticket() != null && !request.ticket().isBlank()) {
      s.append(", ticket ").append(request.ticket());
    }
    return s.toString();
  }

  private static String who(ApprovalPolicy policy) {
    if (policy.group() != null && !policy.group().isBlank()) {
      return "team " + policy.group();
    }
    return String.join(", ", policy.approvers());
  }

  /** The CLI flag a colleague needs to reach the run in another namespace. */
  private static String namespaceFlag() {
    String namespace = Workflow.getInfo().getNamespace();
    return namespace == null || namespace.equals("default") ? "" : " --namespace " + namespace;
  }

  private static String cut(String text) {
    return text.length() <= MAX_FAILURE ? text : text.substring(0, MAX_FAILURE) + "…";
  }

  private static String rootMessage(Throwable e) {
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
    return e instanceof ActivityFailure ? "activity failed" : String.valueOf(cause.getMessage());
  }
}
