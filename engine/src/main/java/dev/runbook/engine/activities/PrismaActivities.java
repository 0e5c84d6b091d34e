package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Prisma migrations. Prisma's own commands run through {@code exec}; what needs SQL on the
 * application's database runs here, through the worker's guarded SQL connections.
 */
@ActivityInterface
public interface PrismaActivities {
  /**
   * Runs the guarded {@code revert} statements of a failed Prisma migration, only while {@code
   * _prisma_migrations} marks it failed; never on a retried attempt.
   */
  @ActivityMethod(name = "prisma.revert")
  StepResult revert(StepRequest request);
}
