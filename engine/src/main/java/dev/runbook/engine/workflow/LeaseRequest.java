package dev.runbook.engine.workflow;

/**
 * What {@code runbook tunnel} sends to the run's open lease.
 *
 * @param by who sends it; only the lease's holder (the run's launcher) may
 * @param extendByMillis for {@link Action#EXTEND}: how much later the lease should end
 */
public record LeaseRequest(Action action, String by, long extendByMillis) {
  /** What to do with the lease. */
  public enum Action {
    /** The holder is still there: the heartbeat timeout starts again. */
    HEARTBEAT,
    /** End later, within the lease's maximum. */
    EXTEND,
    /** End now (Ctrl-C). */
    RELEASE
  }
}
