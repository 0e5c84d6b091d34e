package dev.runbook.engine.workflow;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Control activities of the interpreter, run on the control queue. Read-only and idempotent. */
@ActivityInterface
public interface LockActivities {
  /** Who holds the lock, in words, e.g. "run fix-prod-OPS-1 launched by alice". */
  @ActivityMethod(name = "lock.holder")
  String holderOf(String lockId);
}
