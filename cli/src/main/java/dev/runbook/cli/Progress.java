package dev.runbook.cli;

import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.common.converter.DataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where a followed run stands while nothing new happens: the gate it waits at, or the step that
 * runs, with the time so far and the step's last heartbeat (e.g. a snapshot's state, "creating").
 *
 * @param what the state without the elapsed time (what changes are judged by)
 * @param since when that state began, epoch milliseconds
 * @param heartbeat whether {@code what} includes a state the step reported itself
 */
record Progress(String what, long since, boolean heartbeat) {
  static final Progress NONE = new Progress("", 0, false);

  /** The line as shown: the state and how long it has lasted. */
  String line(long nowMillis) {
    return what + " (" + RunText.duration(Duration.ofMillis(Math.max(0, nowMillis - since))) + ")";
  }

  boolean none() {
    return what.isEmpty();
  }

  /**
   * The state of {@code view}; {@code gateSince} gives when a gate was first seen open; the pending
   * activities of {@code description} give the heartbeat of a running step.
   */
  static Progress of(
      RunView view,
      WorkflowExecutionDescription description,
      DataConverter data,
      java.util.function.ToLongFunction<String> gateSince) {
    List<GateView> gates = view.openGates();
    if (!gates.isEmpty()) {
      GateView gate = gates.get(0);
      return new Progress(
          "waiting for approval at "
              + gate.id()
              + " by "
              + (gate.approvers().isEmpty() ? "nobody" : String.join(", ", gate.approvers())),
          gateSince.applyAsLong(gate.id()),
          false);
    }
    for (StepRecord step : view.steps()) {
      if (step.outcome() == StepOutcome.RUNNING) {
        Optional<String> beat = heartbeat(description, data, step.uses());
        return new Progress(
            RunText.step(step) + " running" + beat.map(b -> ": " + b).orElse(""),
            step.startedAt(),
            beat.isPresent());
      }
    }
    return NONE;
  }

  /** The last heartbeat of the pending activity of type {@code uses}, with its attempt. */
  private static Optional<String> heartbeat(
      WorkflowExecutionDescription description, DataConverter data, String uses) {
    if (description == null) {
      return Optional.empty();
    }
    for (PendingActivityInfo pending : description.getRawDescription().getPendingActivitiesList()) {
      if (!pending.getActivityType().getName().equals(uses)) {
        continue;
      }
      String attempt = pending.getAttempt() > 1 ? " (attempt " + pending.getAttempt() + ")" : "";
      if (!pending.hasHeartbeatDetails()) {
        return attempt.isEmpty() ? Optional.empty() : Optional.of(attempt.strip());
      }
      return Optional.of(decode(data, pending.getHeartbeatDetails()) + attempt);
    }
    return Optional.empty();
  }

  private static String decode(DataConverter data, Payloads details) {
    try {
      Object value = data.fromPayloads(0, Optional.of(details), Object.class, Object.class);
      return value == null
          ? ""
          : dev.runbook.worker.TemporalConnection.oneLine(String.valueOf(value));
    } catch (RuntimeException e) {
      return "(heartbeat unreadable here)";
    }
  }
}
