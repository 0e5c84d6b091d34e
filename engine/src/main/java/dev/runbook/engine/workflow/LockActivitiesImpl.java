package dev.runbook.engine.workflow;

import io.temporal.activity.Activity;
import io.temporal.client.WorkflowClient;

/** Asks the lock workflow who holds it, through the worker's own client. */
public class LockActivitiesImpl implements LockActivities {
  @Override
  public String holderOf(String lockId) {
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    try {
      LockRequest holder = client.newWorkflowStub(TargetLockWorkflow.class, lockId).holder();
      return "run "
          + holder.holderRunId()
          + " ("
          + holder.runbook()
          + ", launched by "
          + holder.launcher()
          + ")";
    } catch (RuntimeException e) {
      return "another run (lock " + lockId + ")";
    }
  }
}
