package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.plan.Plan;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;

/** A time-skipping test server with a worker for the control queue and each environment queue. */
final class WorkflowHarness implements AutoCloseable {
  final TestWorkflowEnvironment env;
  final FakeActivities activities = new FakeActivities();
  final FakeAudit audit = new FakeAudit();
  private int started;

  WorkflowHarness() {
    this(TestEnvironmentOptions.getDefaultInstance());
  }

  /** Without an audit store when {@code noAuditStore}: the control worker's default. */
  WorkflowHarness(boolean noAuditStore) {
    this(TestEnvironmentOptions.getDefaultInstance(), noAuditStore);
  }

  /** With options, e.g. a fixed identity and start time for recording histories. */
  WorkflowHarness(TestEnvironmentOptions options) {
    this(options, false);
  }

  private WorkflowHarness(TestEnvironmentOptions options, boolean noAuditStore) {
    env = TestWorkflowEnvironment.newInstance(options);
    env.registerSearchAttribute("RunbookName", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("RunbookVersion", IndexedValueType.INDEXED_VALUE_TYPE_INT);
    env.registerSearchAttribute("Environment", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("Launcher", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("Ticket", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("RunStatus", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("Approvers", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    Worker control = env.newWorker(RunbookWorkflow.CONTROL_QUEUE);
    if (noAuditStore) {
      ControlWorker.register(control);
    } else {
      ControlWorker.register(control, audit);
    }
    for (String queue : List.of("runbook-local", "runbook-stage", "runbook-prod")) {
      env.newWorker(queue).registerActivitiesImplementations(activities);
    }
    env.start();
  }

  WorkflowClient client() {
    return env.getWorkflowClient();
  }

  /** Starts a run and returns its typed stub. */
  RunbookWorkflow start(Plan plan, String launcher) {
    return start("run-" + (++started), plan, launcher);
  }

  /** Starts a run with the given workflow id and returns its typed stub. */
  RunbookWorkflow start(String id, Plan plan, String launcher) {
    RunbookWorkflow wf =
        client()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, launcher, "OPS-1"));
    return client().newWorkflowStub(RunbookWorkflow.class, id);
  }

  /** Polls the run until the gate is open (the query does not move time forward). */
  static GateView awaitGate(RunbookWorkflow wf, String gate) {
    for (int i = 0; i < 500; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail("run ended as " + view.status() + " before gate " + gate + ": " + view.failure());
      }
      sleep(Duration.ofMillis(20));
    }
    return fail("gate " + gate + " did not open; run is " + wf.view());
  }

  static RunView result(RunbookWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(RunView.class);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    env.close();
  }
}
