package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each environment's queue polls its own step implementations. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerEnvironmentStepsTest {
  @Test
  void eachQueueHasItsOwnStepsAndAStepMissingOnOneQueueFailsThereNamingWhatItHas()
      throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    Map<String, String> queues = new LinkedHashMap<>();
    queues.put("local", "runbook-local");
    queues.put("stage", "runbook-stage");
    try (LocalServer server = new LocalServer();
        RunbookWorker worker =
            RunbookWorker.start(
                server.connection.client(),
                true,
                queues,
                env ->
                    env.equals("local")
                        ? RunbookWorker.availableActivities(lines::add)
                        : List.of())) {
      assertEquals(List.of("notify"), worker.implemented("local"));
      assertEquals(List.of(), worker.implemented("stage"));
      assertEquals(
          List.of(
              "runbook-control: the Runbook workflow (interpreter)",
              "runbook-local (local): steps notify",
              "runbook-stage (stage): no step implementations"),
          worker.describe());

      String runbook =
          """
          apiVersion: runbook/v1
          kind: Runbook
          metadata: { name: hello, version: 1 }
          environments: [%s]
          steps:
            - id: hello
              uses: notify
              with: { text: "hello" }
          """;
      assertEquals(
          RunStatus.COMPLETED, run(server, "per-env-1", runbook.formatted("local")).status());
      RunView stage = run(server, "per-env-2", runbook.formatted("stage"));
      assertEquals(RunStatus.FAILED, stage.status());
      assertEquals(
          "CONFIGURATION: step type notify has no implementation on the worker for stage (task"
              + " queue runbook-stage; it implements: )",
          stage.failure());
    }
  }

  private static RunView run(LocalServer server, String id, String runbook) throws Exception {
    Plan plan = Fixtures.plan(runbook, runbook.contains("[stage]") ? "stage" : "local", Map.of());
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
}
