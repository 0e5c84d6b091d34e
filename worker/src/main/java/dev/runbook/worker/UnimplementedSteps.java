package dev.runbook.worker;

import dev.runbook.engine.workflow.FailureType;
import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.common.converter.EncodedValues;
import java.util.List;

/**
 * Answers every step type this worker has no implementation for, at once and for good.
 *
 * <p>Without it Temporal fails such an attempt with a retryable "Activity Type ... is not
 * registered with a worker" error and retries it under the step's retry policy; with it the run
 * fails on the first attempt (non-retryable {@link FailureType#CONFIGURATION}) with a message
 * naming the step type and the queue.
 */
final class UnimplementedSteps implements DynamicActivity {
  private final String environment;
  private final String taskQueue;
  private final List<String> implemented;

  UnimplementedSteps(String environment, String taskQueue, List<String> implemented) {
    this.environment = environment;
    this.taskQueue = taskQueue;
    this.implemented = List.copyOf(implemented);
  }

  @Override
  public Object execute(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    throw FailureType.CONFIGURATION.failure(message(type));
  }

  String message(String type) {
    return "step type "
        + type
        + " has no implementation on the worker for "
        + environment
        + " (task queue "
        + taskQueue
        + "; it implements: "
        + String.join(", ", implemented)
        + ")";
  }
}
