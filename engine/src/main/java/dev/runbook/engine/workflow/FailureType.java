package dev.runbook.engine.workflow;

import io.temporal.failure.ApplicationFailure;

/**
 * The type of every {@link ApplicationFailure} the engine raises. Retrying cannot help any of them
 * except {@link #TRANSIENT}, so they are non-retryable.
 */
public enum FailureType {
  /** A temporary fault (network, throttling): worth retrying. */
  TRANSIENT(true),
  /** The plan is not what was approved or cannot run (hash mismatch, bad input). */
  INVALID_PLAN(false),
  /** An expression failed at run time (e.g. reading an output that was not produced). */
  EXPRESSION_ERROR(false),
  /** An {@code assert} step was false. */
  ASSERTION_FAILED(false),
  /** A reviewer rejected a gate. */
  REJECTED(false),
  /** A gate was not decided in time and its outcome is to fail. */
  APPROVAL_TIMED_OUT(false),
  /** The run was cancelled. */
  CANCELLED(false),
  /** SQL refused by the guards at run time. */
  GUARD_VIOLATION(false),
  /** The database refused the statement (syntax, constraint). */
  SQL_ERROR(false),
  /** A change touched another number of rows than expected or previewed. */
  ROW_COUNT_MISMATCH(false),
  /** The verify query after a change did not hold. */
  VERIFY_FAILED(false),
  /** Another run holds the target (e.g. a change on the same database). */
  TARGET_BUSY(false),
  /** The step would touch something this run did not create. */
  NOT_OWNED(false),
  /** The environment or worker is not set up for this step. */
  CONFIGURATION(false),
  /** The step failed for a reason not listed above. */
  STEP_FAILED(false),
  /**
   * A schema migration failed (Flyway: a migration script, validation or repair); the message names
   * the version, the script and the database error, and whether changes may be left behind. Added
   * last so the order of the older names stays as recorded in histories.
   */
  MIGRATION_FAILED(false);

  private final boolean retryable;

  FailureType(boolean retryable) {
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** A failure of this type; non-retryable unless the type is {@link #TRANSIENT}. */
  public ApplicationFailure failure(String message) {
    return retryable
        ? ApplicationFailure.newFailure(message, name())
        : ApplicationFailure.newNonRetryableFailure(message, name());
  }

  /** The names of the types retrying cannot help, for activity retry options. */
  public static String[] nonRetryableNames() {
    return NonRetryable.NAMES.clone();
  }

  /** Computed once (an enum cannot read its own values in a field initialiser). */
  private static final class NonRetryable {
    static final String[] NAMES =
        java.util.Arrays.stream(values())
            .filter(t -> !t.retryable)
            .map(Enum::name)
            .toArray(String[]::new);
  }
}
