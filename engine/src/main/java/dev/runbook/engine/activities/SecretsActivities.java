package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Secrets: resolves a secret id to a handle; the value never leaves the worker. Idempotent. */
@ActivityInterface
public interface SecretsActivities {
  @ActivityMethod(name = "aws.secrets.get")
  StepResult get(StepRequest request);
}
