package dev.runbook.engine.workflow;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** Where a run stands. Allowed moves are data ({@link #TRANSITIONS}), checked on every change. */
public enum RunStatus {
  RUNNING,
  WAITING_APPROVAL,
  COMPENSATING,
  COMPLETED,
  /** Failed; every undo ran. */
  FAILED,
  /** Failed, and at least one undo failed: someone must clean up by hand. */
  COMPENSATION_INCOMPLETE,
  REJECTED,
  TIMED_OUT,
  CANCELLED;

  private static final Set<RunStatus> ENDINGS =
      EnumSet.of(REJECTED, TIMED_OUT, CANCELLED, FAILED, COMPENSATION_INCOMPLETE);

  /** From -> the statuses it may move to. Final statuses move nowhere. */
  public static final Map<RunStatus, Set<RunStatus>> TRANSITIONS =
      Map.of(
          RUNNING, union(EnumSet.of(WAITING_APPROVAL, COMPENSATING, COMPLETED), ENDINGS),
          WAITING_APPROVAL, union(EnumSet.of(RUNNING, COMPENSATING), ENDINGS),
          COMPENSATING, ENDINGS,
          COMPLETED, EnumSet.noneOf(RunStatus.class),
          FAILED, EnumSet.noneOf(RunStatus.class),
          COMPENSATION_INCOMPLETE, EnumSet.noneOf(RunStatus.class),
          REJECTED, EnumSet.noneOf(RunStatus.class),
          TIMED_OUT, EnumSet.noneOf(RunStatus.class),
          CANCELLED, EnumSet.noneOf(RunStatus.class));

  public boolean isFinal() {
    return TRANSITIONS.get(this).isEmpty();
  }

  public boolean canMoveTo(RunStatus next) {
    return TRANSITIONS.get(this).contains(next);
  }

  /** The CLI's exit code family: 0 for success, 1 for any other ending. */
  public boolean succeeded() {
    return this == COMPLETED;
  }

  private static Set<RunStatus> union(Set<RunStatus> a, Set<RunStatus> b) {
    EnumSet<RunStatus> all = EnumSet.copyOf(a);
    all.addAll(b);
    return all;
  }
}
