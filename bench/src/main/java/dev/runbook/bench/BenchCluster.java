package dev.runbook.bench;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.StepHeartbeats;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory Temporal test server (real time: no time skipping) with one worker process: the
 * interpreter and the hand-written workflow on the control queue, the no-op notify on the step
 * queue of {@code local}. Both workflows run on the same server and worker with the same options.
 */
public final class BenchCluster implements AutoCloseable {
  /** The task queue of the {@code local} environment, where the plan's steps go. */
  public static final String STEP_QUEUE = "runbook-local";

  public enum Kind {
    HAND_WRITTEN("hand-written"),
    /** Hand-written, but scheduling each call with the interpreter's activity options. */
    HAND_WRITTEN_OPTIONS("hand+options"),
    INTERPRETER("interpreter");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final TestWorkflowEnvironment env;
  private final Worker control;
  private final NoopNotify notify = new NoopNotify();
  private final StepHeartbeats heartbeats = new StepHeartbeats();
  private final AtomicLong started = new AtomicLong();

  /**
   * @param virtualThreads workflow threads and the workers' task threads as virtual threads
   * @param timeSkipping true only for tests (instant, but holds time locks the bench does not want)
   */
  public BenchCluster(boolean virtualThreads, boolean timeSkipping) {
    TestEnvironmentOptions.Builder options =
        TestEnvironmentOptions.newBuilder()
            .setUseTimeskipping(timeSkipping)
            .setWorkerFactoryOptions(
                WorkerFactoryOptions.newBuilder()
                    .setUsingVirtualWorkflowThreads(virtualThreads)
                    // as RunbookWorker: every step heartbeats (both variants, baseline too)
                    .setWorkerInterceptors(heartbeats)
                    .build());
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      options.registerSearchAttribute(key.getName(), key.getValueType());
    }
    env = TestWorkflowEnvironment.newInstance(options.build());
    WorkerOptions workerOptions =
        WorkerOptions.newBuilder()
            .setUsingVirtualThreads(virtualThreads)
            .setMaxHeartbeatThrottleInterval(StepHeartbeats.MAX_THROTTLE)
            .build();
    control = env.newWorker(RunbookWorkflow.CONTROL_QUEUE, workerOptions);
    ControlWorker.register(control);
    control.registerWorkflowImplementationTypes(HandWrittenWorkflowImpl.class);
    env.newWorker(STEP_QUEUE, workerOptions).registerActivitiesImplementations(notify);
    env.start();
  }

  public WorkflowClient client() {
    return env.getWorkflowClient();
  }

  public long activityCalls() {
    return notify.calls.get();
  }

  /** Starts one run; {@link #await} waits for it. */
  public WorkflowStub start(Kind kind, Plan plan) {
    String id = kind.label + "-" + started.incrementAndGet();
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
            .build();
    WorkflowStub stub;
    if (kind == Kind.INTERPRETER) {
      stub = client().newUntypedWorkflowStub("Runbook", options);
      stub.start(new RunRequest(plan, "bench", "OPS-1"));
    } else {
      stub = client().newUntypedWorkflowStub("HandWritten", options);
      stub.start(stepsOf(plan), kind == Kind.HAND_WRITTEN_OPTIONS);
    }
    return stub;
  }

  /** Waits for the run and checks it did all its steps. */
  public void await(Kind kind, WorkflowStub stub, Plan plan) {
    try {
      check(kind, stub, plan);
    } catch (TimeoutException e) {
      throw new IllegalStateException(stub.getExecution().getWorkflowId() + " took too long", e);
    }
  }

  private static void check(Kind kind, WorkflowStub stub, Plan plan) throws TimeoutException {
    if (kind == Kind.INTERPRETER) {
      RunView view = stub.getResult(5, TimeUnit.MINUTES, RunView.class);
      if (view.status() != RunStatus.COMPLETED || view.steps().size() != stepsOf(plan)) {
        throw new IllegalStateException("interpreter run did not complete: " + view);
      }
    } else {
      String result = stub.getResult(5, TimeUnit.MINUTES, String.class);
      String expected = stepsOf(plan) + " of " + stepsOf(plan) + " delivered";
      if (!result.equals(expected)) {
        throw new IllegalStateException("hand-written run: " + result);
      }
    }
  }

  /** Runs to the end and returns the workflow id. */
  public String run(Kind kind, Plan plan) {
    WorkflowStub stub = start(kind, plan);
    await(kind, stub, plan);
    return stub.getExecution().getWorkflowId();
  }

  public WorkflowExecutionHistory history(String workflowId) {
    return client().fetchHistory(workflowId);
  }

  /** Replays a history on the control worker: the workflow code's own cost, no server involved. */
  public void replay(WorkflowExecutionHistory history) {
    try {
      control.replayWorkflowExecution(history);
    } catch (Exception e) {
      throw new IllegalStateException("replay failed", e);
    }
  }

  static int stepsOf(Plan plan) {
    return plan.targetStage().steps().size();
  }

  @Override
  public void close() {
    env.close();
    heartbeats.close();
  }
}
