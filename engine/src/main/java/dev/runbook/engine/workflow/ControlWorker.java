package dev.runbook.engine.workflow;

import dev.runbook.engine.activities.AuditActivities;
import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.activities.AuditReceipt;
import io.temporal.worker.Worker;

/** What every worker of the control queue registers: the interpreter, its locks and helpers. */
public final class ControlWorker {
  private ControlWorker() {}

  /** Without an audit store: runs say so in their view ({@link RunView#audit()}). */
  public static void register(Worker worker) {
    register(worker, new NoAuditStore());
  }

  /** With the audit store the interpreter writes to as runs go (local activities). */
  public static void register(Worker worker, AuditActivities audit) {
    worker.registerWorkflowImplementationTypes(
        RunbookWorkflowImpl.class, TargetLockWorkflowImpl.class);
    worker.registerActivitiesImplementations(new LockActivitiesImpl());
    worker.registerActivitiesImplementations(audit);
  }

  /** The audit activity of a worker that has no store: it declines, in words. */
  static final class NoAuditStore implements AuditActivities {
    @Override
    public AuditReceipt record(AuditBatch batch) {
      return new AuditReceipt(
          false, "not recorded: the worker running this run has no audit store configured");
    }
  }
}
