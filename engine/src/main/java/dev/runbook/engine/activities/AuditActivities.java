package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The audit trail of runs: the interpreter sends what changed since its last batch, as a local
 * activity on the worker that runs it (the control queue). Idempotent: every record is keyed by the
 * run and its position in the run, so a retried or resent batch writes the same rows again.
 */
@ActivityInterface
public interface AuditActivities {
  @ActivityMethod(name = "audit.record")
  AuditReceipt record(AuditBatch batch);
}
