package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * RDS snapshots and point-in-time restores. Idempotent by name: a retried snapshot or restore finds
 * the one it already started.
 */
@ActivityInterface
public interface RdsActivities {
  @ActivityMethod(name = "aws.rds.snapshot")
  StepResult snapshot(StepRequest request);

  @ActivityMethod(name = "aws.rds.restore-pitr")
  StepResult restorePitr(StepRequest request);

  @ActivityMethod(name = "aws.rds.delete")
  StepResult delete(StepRequest request);
}
