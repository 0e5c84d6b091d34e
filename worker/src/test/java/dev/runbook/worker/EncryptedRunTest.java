package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.codec.PayloadKeys;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverterException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A run whose client and worker encrypt payloads, on the test server over TCP: the server stores no
 * plan, parameter or step output in plain text, while search attributes stay readable.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EncryptedRunTest {
  private static final String CANARY = "CANARY-7f3e";

  static LocalServer server;
  static TemporalConnection encrypted;
  static RunbookWorker worker;
  static final List<String> lines = new CopyOnWriteArrayList<>();
  static RunView result;

  @BeforeAll
  static void runOnce() throws Exception {
    server = new LocalServer();
    PayloadKeys keys = PayloadKeys.parse(PayloadKeys.generate("k1"), "test");
    encrypted = TemporalTarget.local(server.port, "test").withPayloadKeys(keys).connect();
    worker =
        RunbookWorker.start(
            encrypted.client(),
            true,
            Map.of("local", "runbook-local"),
            RunbookWorker.availableActivities(lines::add));
    Plan plan =
        Fixtures.plan(
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata: { name: secretive, version: 1 }
            environments: [local]
            steps:
              - id: hello
                uses: notify
                with: { channel: "#db-ops", text: "%s from ${{ run.id }}" }
            """
                .formatted(CANARY),
            "local",
            Map.of());
    RunbookWorkflow wf =
        encrypted
            .client()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("encrypted-1")
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "erin", "OPS-1"));
    result = WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, RunView.class);
  }

  @AfterAll
  static void stop() {
    worker.close();
    encrypted.close();
    server.close();
  }

  @Test
  void theRunCompletesAndItsStepSawThePlainText() {
    assertEquals(RunStatus.COMPLETED, result.status());
    assertTrue(
        lines.contains("notify [local #db-ops] encrypted-1: " + CANARY + " from encrypted-1"));
  }

  @Test
  void theServerHoldsNoPlainTextOfThePlanInputsOrOutputs() {
    List<HistoryEvent> events = server.connection.client().fetchHistory("encrypted-1").getEvents();

    for (HistoryEvent event : events) {
      assertFalse(
          event.toByteString().toStringUtf8().contains(CANARY),
          "plain text in " + event.getEventType());
    }
    List<Payload> payloads = new ArrayList<>();
    for (HistoryEvent event : events) {
      if (event.hasWorkflowExecutionStartedEventAttributes()) {
        payloads.addAll(
            event.getWorkflowExecutionStartedEventAttributes().getInput().getPayloadsList());
      }
      if (event.hasActivityTaskCompletedEventAttributes()) {
        payloads.addAll(
            event.getActivityTaskCompletedEventAttributes().getResult().getPayloadsList());
      }
    }
    assertFalse(payloads.isEmpty());
    for (Payload payload : payloads) {
      assertEquals("binary/encrypted", payload.getMetadataOrThrow("encoding").toStringUtf8());
    }
  }

  @Test
  void aClientWithoutTheKeysCannotReadTheResult() {
    WorkflowStub plain = server.connection.client().newUntypedWorkflowStub("encrypted-1");

    Exception e = assertThrows(Exception.class, () -> plain.getResult(RunView.class));
    Throwable cause = e;
    while (cause != null && !(cause instanceof DataConverterException)) {
      cause = cause.getCause();
    }
    assertTrue(cause != null, "no DataConverterException in " + e);
    assertTrue(cause.getMessage().contains("binary/encrypted"), cause.getMessage());
  }

  @Test
  void searchAttributesStayReadableForListingAndTheUi() {
    List<String> statuses = new ArrayList<>();
    for (HistoryEvent event : server.connection.client().fetchHistory("encrypted-1").getEvents()) {
      SearchAttributes attributes =
          event.hasWorkflowExecutionStartedEventAttributes()
              ? event.getWorkflowExecutionStartedEventAttributes().getSearchAttributes()
              : event.getUpsertWorkflowSearchAttributesEventAttributes().getSearchAttributes();
      Payload status = attributes.getIndexedFieldsMap().get("RunStatus");
      if (status != null) {
        statuses.add(status.getData().toStringUtf8());
      }
    }

    assertFalse(statuses.isEmpty(), "RunStatus is upserted as the run moves");
    assertTrue(statuses.contains("\"COMPLETED\""), statuses.toString());
  }
}
