package dev.runbook.worker.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.StepTestEnvironment;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A run's notify step posted to a Slack receiver by the worker; the URL is not in history. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlackNotifyRunTest {
  @Test
  void aRunPostsItsNotificationToTheEnvironmentsWebhookAndHistoryNeverHoldsTheUrl()
      throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    try (SlackReceiver slack = new SlackReceiver(new SlackReceiver.Reply(500, "", null));
        TestWorkflowEnvironment env = StepTestEnvironment.start()) {
      for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
        env.registerSearchAttribute(key.getName(), key.getValueType());
      }
      dev.runbook.engine.workflow.ControlWorker.register(
          env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
      Worker steps = env.newWorker("runbook-local");
      steps.registerActivitiesImplementations(
          new SlackNotifyActivities(
              Map.of(
                  "local",
                  new Notifications("local", Optional.of("local/slack"), Optional.of("#db-ops"))),
              Map.of("local", id -> slack.url()),
              log::add));
      env.start();
      Plan plan =
          Fixtures.plan(
              """
              apiVersion: runbook/v1
              kind: Runbook
              metadata: { name: tell, version: 1 }
              environments: [local]
              steps:
                - id: tell
                  uses: notify
                  with: { text: "${{ run.id }} is done" }
              """,
              "local",
              Map.of());
      RunbookWorkflow wf =
          env.getWorkflowClient()
              .newWorkflowStub(
                  RunbookWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId("tell-1")
                      .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                      .build());
      WorkflowClient.start(wf::run, new RunRequest(plan, "erin", "OPS-1"));
      RunView result = WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, RunView.class);

      assertEquals(RunStatus.COMPLETED, result.status());
      assertEquals("posted to Slack #db-ops", result.steps().get(0).summary());
      assertEquals(2, slack.received.size());
      assertEquals(
          "tell-1 is done",
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(slack.received.get(1).body())
              .path("text")
              .asText());
      for (HistoryEvent event : env.getWorkflowClient().fetchHistory("tell-1").getEvents()) {
        assertFalse(event.toString().contains("CANARYwebhookTOKEN"), event.getEventType().name());
      }
    }
  }
}
