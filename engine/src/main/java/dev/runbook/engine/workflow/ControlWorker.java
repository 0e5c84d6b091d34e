package dev.runbook.engine.workflow;

import io.temporal.worker.Worker;

/** What every worker of the control queue registers: the interpreter, its locks and helpers. */
public final class ControlWorker {
  private ControlWorker() {}

  public static void register(Worker worker) {
    worker.registerWorkflowImplementationTypes(
        RunbookWorkflowImpl.class, TargetLockWorkflowImpl.class);
    worker.registerActivitiesImplementations(new LockActivitiesImpl());
  }
}
