package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker's registrations: the interpreter, notify, and a clear failure for the rest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunbookWorkerTest {
  static LocalServer server;
  static RunbookWorker worker;
  static final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    server = new LocalServer();
    worker =
        RunbookWorker.start(
            server.connection.client(),
            true,
            Map.of("local", "runbook-local"),
            RunbookWorker.availableActivities(lines::add));
  }

  @AfterAll
  static void stop() {
    worker.close();
    server.close();
  }

  private static RunView run(String id, String runbook) throws Exception {
    Plan plan = Fixtures.plan(runbook, "local", Map.of());
    RunbookWorkflow wf =
        server
            .connection
            .client()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "erin", "OPS-1"));
    return WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, RunView.class);
  }

  @Test
  void aStepTypeWithoutAnImplementationFailsTheRunOnItsFirstAttemptNamingTypeAndQueue()
      throws Exception {
    RunView result =
        run(
            "unimplemented-1",
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata: { name: count, version: 1 }
            environments: [local]
            steps:
              - id: count
                uses: sql.query
                retry: { maxAttempts: 5, initialInterval: 1s }
                with: { database: platform, query: "SELECT count(*) FROM invoices" }
            """);

    assertEquals(RunStatus.FAILED, result.status());
    assertEquals(
        "CONFIGURATION: step type sql.query has no implementation on the worker for local (task"
            + " queue runbook-local; it implements: notify)",
        result.failure());
    List<HistoryEvent> started =
        server.connection.client().fetchHistory("unimplemented-1").getEvents().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
            .toList();
    assertEquals(1, started.size());
    assertEquals(1, started.get(0).getActivityTaskStartedEventAttributes().getAttempt());
  }

  @Test
  void notifyWritesItsTextToTheWorkersOutputAndReportsItDelivered() throws Exception {
    RunView result =
        run(
            "notify-1",
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata: { name: hello, version: 1 }
            environments: [local]
            steps:
              - id: hello
                uses: notify
                with: { channel: "#db-ops", text: "hello from ${{ run.id }}" }
            """);

    assertEquals(RunStatus.COMPLETED, result.status());
    assertEquals("written to the worker log", result.steps().get(0).summary());
    assertEquals(true, lines.contains("notify [local #db-ops] notify-1: hello from notify-1"));
  }

  @Test
  void theWorkerDescribesWhatItPolls() {
    assertEquals(List.of("notify"), worker.implemented());
    assertEquals(
        List.of(
            "runbook-control: the Runbook workflow (interpreter)",
            "runbook-local (local): steps notify"),
        worker.describe());
  }
}
