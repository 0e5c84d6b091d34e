package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * SQL steps on PostgreSQL and MySQL/MariaDB. Activity types are the step type names. Changes are
 * idempotent through a ledger keyed by {@link StepRequest#idempotencyKey()}; queries are read-only.
 */
@ActivityInterface
public interface SqlActivities {
  @ActivityMethod(name = "sql.query")
  StepResult query(StepRequest request);

  @ActivityMethod(name = "sql.change")
  StepResult change(StepRequest request);

  @ActivityMethod(name = "sql.backup")
  StepResult backup(StepRequest request);

  @ActivityMethod(name = "sql.restore")
  StepResult restore(StepRequest request);

  @ActivityMethod(name = "sql.export")
  StepResult export(StepRequest request);

  @ActivityMethod(name = "sql.terminate-sessions")
  StepResult terminateSessions(StepRequest request);
}
