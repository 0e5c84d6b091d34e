package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Schema migrations with Flyway. Migrate and repair are idempotent by Flyway's history table. */
@ActivityInterface
public interface FlywayActivities {
  @ActivityMethod(name = "flyway.migrate")
  StepResult migrate(StepRequest request);

  @ActivityMethod(name = "flyway.info")
  StepResult info(StepRequest request);

  @ActivityMethod(name = "flyway.validate")
  StepResult validate(StepRequest request);

  @ActivityMethod(name = "flyway.repair")
  StepResult repair(StepRequest request);
}
