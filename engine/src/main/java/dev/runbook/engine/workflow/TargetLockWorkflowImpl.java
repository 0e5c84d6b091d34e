package dev.runbook.engine.workflow;

import io.temporal.workflow.Workflow;

/** Holds until released; the holding run's close policy terminates it otherwise. */
public class TargetLockWorkflowImpl implements TargetLockWorkflow {
  private LockRequest request;
  private boolean released;

  @Override
  public void hold(LockRequest lockRequest) {
    this.request = lockRequest;
    Workflow.await(() -> released);
  }

  @Override
  public void release() {
    released = true;
  }

  @Override
  public LockRequest holder() {
    return request;
  }
}
