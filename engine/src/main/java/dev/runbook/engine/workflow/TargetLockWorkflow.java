package dev.runbook.engine.workflow;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A lock on one change target (a database of an environment), held by a run as its child workflow.
 * Its id is the lock's name, so a second run cannot start it while it is held; it ends when the run
 * releases it or closes.
 */
@WorkflowInterface
public interface TargetLockWorkflow {
  @WorkflowMethod(name = "TargetLock")
  void hold(LockRequest request);

  @SignalMethod(name = "release")
  void release();

  @QueryMethod(name = "holder")
  LockRequest holder();

  /** The lock's workflow id for a database of an environment. */
  static String lockId(String environment, String database) {
    return "lock-" + environment + "-" + database;
  }
}
