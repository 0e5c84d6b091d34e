package dev.runbook.worker;

import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactoryOptions;

/**
 * Temporal's time-skipping test environment whose workers heartbeat running steps with {@link
 * StepHeartbeats}, as {@link RunbookWorker} does: the interpreter gives every step a 30 s heartbeat
 * timeout, so a real step (a database copy, a migration) run by a bare test worker would be retried
 * after 30 s of work on a slow machine.
 */
public final class StepTestEnvironment {
  private StepTestEnvironment() {}

  public static TestWorkflowEnvironment start() {
    return TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder()
            .setWorkerFactoryOptions(
                WorkerFactoryOptions.newBuilder()
                    .setWorkerInterceptors(new StepHeartbeats())
                    .build())
            .build());
  }
}
