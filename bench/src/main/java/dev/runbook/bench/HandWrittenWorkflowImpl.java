package dev.runbook.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.engine.workflow.RunbookWorkflowImpl;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * Calls the same {@code notify} activity as the interpreter, {@code steps} times in a row, on the
 * same task queue, with the same timeout and attempts, and the same request record.
 */
public class HandWrittenWorkflowImpl implements HandWrittenWorkflow {
  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  private final NotifyActivities notify =
      Workflow.newActivityStub(
          NotifyActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(BenchCluster.STEP_QUEUE)
              .setStartToCloseTimeout(TIMEOUT)
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
              .build());

  @Override
  public String run(int steps, boolean interpreterOptions) {
    String id = Workflow.getInfo().getWorkflowId();
    int delivered = 0;
    for (int i = 1; i <= steps; i++) {
      StepRequest request =
          new StepRequest(
              id,
              "hand-written",
              "local",
              "n" + i,
              "notify",
              JsonNodeFactory.instance.objectNode().put("text", "step " + i),
              "",
              "bench",
              id + "/local/n" + i);
      StepResult result =
          interpreterOptions
              ? Workflow.newUntypedActivityStub(interpreterOptions("n" + i))
                  .execute("notify", StepResult.class, request)
              : notify.notify(request);
      if (result.outputs().path("delivered").asBoolean()) {
        delivered++;
      }
    }
    return delivered + " of " + steps + " delivered";
  }

  /** As RunbookWorkflowImpl.options builds them for a step with the default retry policy. */
  private static ActivityOptions interpreterOptions(String name) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(BenchCluster.STEP_QUEUE)
        .setStartToCloseTimeout(TIMEOUT)
        .setHeartbeatTimeout(RunbookWorkflowImpl.STEP_HEARTBEAT_TIMEOUT)
        .setSummary(name + " (local)")
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setMaximumAttempts(3)
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(Duration.ofMinutes(1))
                .setDoNotRetry(FailureType.nonRetryableNames())
                .build())
        .build();
  }
}
