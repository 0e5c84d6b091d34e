package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** External tools from the environment's allowlist. Not idempotent by itself: retries are off. */
@ActivityInterface
public interface ExecActivities {
  @ActivityMethod(name = "exec")
  StepResult exec(StepRequest request);
}
