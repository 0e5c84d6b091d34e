package dev.runbook.worker.aws;

import dev.runbook.engine.workflow.FailureType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Waits inside the activity for a resource to be ready: one look, a heartbeat carrying what was
 * seen (so the Temporal UI shows progress and a cancelled run stops the wait), a pause, again.
 * Heartbeats add no history events, so a wait of hours costs O(1) of them.
 */
final class Waiting {
  private final AwsSettings settings;

  Waiting(AwsSettings settings) {
    this.settings = settings;
  }

  /** What one look found: done (with its value) or still waiting (with a state for heartbeats). */
  record Look<T>(T value, String state) {
    static <T> Look<T> done(T value) {
      return new Look<>(value, null);
    }

    static <T> Look<T> waiting(String state) {
      return new Look<>(null, state);
    }
  }

  /**
   * Looks until {@code look} is done, at most {@link AwsSettings#maxWait()}; then TRANSIENT.
   *
   * @param what for messages, e.g. {@code snapshot platform-1 to be available}
   */
  <T> T until(String what, AwsCalls calls, Supplier<Look<T>> look) {
    Instant deadline = settings.clock().instant().plus(settings.maxWait());
    Optional<ActivityExecutionContext> context = context();
    String last = "";
    for (long n = 1; ; n++) {
      Look<T> seen = look.get();
      if (seen.value() != null) {
        return seen.value();
      }
      last = seen.state();
      String beat = what + ": " + last + " (look " + n + ")";
      context.ifPresent(c -> c.heartbeat(beat));
      if (!settings.clock().instant().isBefore(deadline)) {
        throw calls.fail(
            FailureType.TRANSIENT,
            "waited " + human(settings.maxWait()) + " for " + what + "; it is still " + last);
      }
      try {
        Thread.sleep(settings.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw calls.fail(FailureType.TRANSIENT, "interrupted while waiting for " + what);
      }
    }
  }

  /** The activity's context; empty when called outside an activity (plain unit use). */
  static Optional<ActivityExecutionContext> context() {
    try {
      return Optional.of(Activity.getExecutionContext());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return d.toMillis() + "ms";
    }
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
