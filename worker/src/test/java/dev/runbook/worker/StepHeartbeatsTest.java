package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StepHeartbeats} on the test server in real time: a step whose thread blocks far longer
 * than its heartbeat timeout still completes in its first attempt on a {@link RunbookWorker}, while
 * the same step on a worker without it times out; the step's own heartbeat details are kept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StepHeartbeatsTest {
  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(4);
  private static final int BLOCKED_SECONDS = 11;

  private static LocalServer server;
  private static RunbookWorker steps;
  private static WorkerFactory plain;
  private static WorkerFactory workflows;

  /** A step that reports a detail once, then blocks (no heartbeat of its own) for a while. */
  @ActivityInterface
  public interface BlockingStep {
    @ActivityMethod(name = "test.block")
    int block(int seconds, String detail);
  }

  public static class Blocking implements BlockingStep {
    @Override
    public int block(int seconds, String detail) {
      Activity.getExecutionContext().heartbeat(detail);
      try {
        Thread.sleep(seconds * 1000L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Activity.getExecutionContext().getInfo().getAttempt();
    }
  }

  @WorkflowInterface
  public interface CallsStep {
    @WorkflowMethod
    int call(String queue, int seconds, String detail);
  }

  public static class CallsStepImpl implements CallsStep {
    @Override
    public int call(String queue, int seconds, String detail) {
      BlockingStep step =
          Workflow.newActivityStub(
              BlockingStep.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(queue)
                  .setStartToCloseTimeout(Duration.ofSeconds(60))
                  .setHeartbeatTimeout(HEARTBEAT_TIMEOUT)
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      return step.block(seconds, detail);
    }
  }

  @BeforeAll
  static void start() {
    server = new LocalServer();
    WorkflowClient client = server.connection.client();
    steps = RunbookWorker.start(client, false, Map.of("test", "beating"), List.of(new Blocking()));
    plain = WorkerFactory.newInstance(client);
    plain.newWorker("silent").registerActivitiesImplementations(new Blocking());
    plain.start();
    workflows = WorkerFactory.newInstance(client);
    workflows.newWorker("calls").registerWorkflowImplementationTypes(CallsStepImpl.class);
    workflows.start();
  }

  @AfterAll
  static void stop() {
    workflows.shutdownNow();
    plain.shutdownNow();
    steps.close();
    server.close();
  }

  private static WorkflowStub launch(String id, String queue, String detail) {
    WorkflowStub stub =
        server
            .connection
            .client()
            .newUntypedWorkflowStub(
                "CallsStep",
                WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("calls").build());
    stub.start(queue, BLOCKED_SECONDS, detail);
    return stub;
  }

  @Test
  void aStepBlockedLongerThanItsHeartbeatTimeoutCompletesInItsFirstAttempt() throws Exception {
    WorkflowStub run = launch("beating-1", "beating", "copying: 40%");
    assertEquals(1, run.getResult(90, TimeUnit.SECONDS, Integer.class));
  }

  @Test
  void theSameStepWithoutStepHeartbeatsTimesOutOnItsHeartbeat() throws Exception {
    WorkflowStub run = launch("silent-1", "silent", "copying: 40%");
    WorkflowFailedException failed =
        assertThrows(
            WorkflowFailedException.class,
            () -> run.getResult(90, TimeUnit.SECONDS, Integer.class));
    ActivityFailure step = assertInstanceOf(ActivityFailure.class, failed.getCause());
    TimeoutFailure timeout = assertInstanceOf(TimeoutFailure.class, step.getCause());
    assertEquals(TimeoutType.TIMEOUT_TYPE_HEARTBEAT, timeout.getTimeoutType());
  }

  @Test
  void whileTheStepBlocksItsOwnLatestDetailsAreWhatTheHeartbeatsCarry() throws Exception {
    WorkflowStub run = launch("details-1", "beating", "snapshot s1: creating 40% (look 3)");
    Thread.sleep(HEARTBEAT_TIMEOUT.toMillis() + 2000); // past the first throttled sends
    PendingActivityInfo pending =
        server
            .connection
            .stubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default")
                    .setExecution(run.getExecution())
                    .build())
            .getPendingActivities(0);
    assertTrue(pending.hasLastHeartbeatTime(), pending.toString());
    assertEquals(
        "snapshot s1: creating 40% (look 3)",
        DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
            0, java.util.Optional.of(pending.getHeartbeatDetails()), String.class, String.class));
    assertEquals(1, run.getResult(90, TimeUnit.SECONDS, Integer.class));
  }
}
