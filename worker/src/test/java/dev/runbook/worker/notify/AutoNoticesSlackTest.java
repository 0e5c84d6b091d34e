package dev.runbook.worker.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.FailureType;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic notices end to end: the interpreter on the Temporal test server, the real {@link
 * SlackNotifyActivities} reading the webhook URL from the environment's local secrets file and
 * posting to a Slack receiver on 127.0.0.1. No runbook here has a {@code notify} step.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoNoticesSlackTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A database password in the same secrets file: it must never reach Slack or history. */
  private static final String PASSWORD = "CANARYdbPASSWORD";

  private static final String STAGE =
      Fixtures.STAGE
          + """
          notifications:
            slackWebhookSecretId: stage/slack-webhook
            defaultChannel: "#db-ops"
          """;

  /** A gate, an address allowed (its undo revokes it), and a check the test decides. */
  private static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: open-door, version: 3 }
      environments: [stage]
      params:
        holds: { type: boolean, default: true }
      steps:
        - id: ok
          uses: approval
          with:
            approvers: { group: db-leads }
            timeout: 2h
            message: "opening 203.0.113.7 on the jump box"
        - id: allow
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: check
          uses: assert
          with: { that: "${{ params.holds }}", message: "the door did not open" }
      """;

  @TempDir Path dir;
  private TestWorkflowEnvironment env;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final Door door = new Door();
  private SlackReceiver slack;

  /** The jump box's security group: allows, and revokes unless told to fail. */
  static final class Door implements Ec2Activities {
    volatile boolean revokeFails;

    @Override
    public StepResult start(StepRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StepResult stop(StepRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StepResult allowIngress(StepRequest request) {
      return new StepResult(
          JsonNodeFactory.instance
              .objectNode()
              .put("securityGroupId", "sg-1")
              .put("cidr", "203.0.113.7/32")
              .put("port", 22),
          "allowed");
    }

    @Override
    public StepResult revokeIngress(StepRequest request) {
      if (revokeFails) {
        throw FailureType.CONFIGURATION.failure("sg-1 is not ours to change");
      }
      return new StepResult(JsonNodeFactory.instance.objectNode().put("revoked", true), "revoked");
    }
  }

  void start(SlackReceiver receiver) throws Exception {
    slack = receiver;
    Path secrets = dir.resolve("secrets.yaml");
    Files.writeString(
        secrets,
        "stage/slack-webhook: \""
            + receiver.url()
            + "\"\nstage/platform: { username: runbook, password: "
            + PASSWORD
            + " }\n",
        StandardCharsets.UTF_8);
    EnvironmentSpec stage = Fixtures.environment("stage", STAGE).spec();
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-stage")
        .registerActivitiesImplementations(
            new SlackNotifyActivities(
                Map.of("stage", Notifications.of(stage)),
                Map.of("stage", new LocalSecretStrings(secrets)),
                log::add),
            door);
    env.start();
  }

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
    if (slack != null) {
      slack.close();
    }
  }

  private Plan plan(boolean holds) {
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(RUNBOOK),
            Map.of("stage", Fixtures.environment("stage", STAGE)),
            "stage",
            Map.of("holds", String.valueOf(holds)));
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(String id, Plan plan) {
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "erin", "OPS-7"));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
  }

  /** Waits (bounded) until the receiver holds {@code n} posts. */
  private void awaitPosts(int n) throws InterruptedException {
    for (int i = 0; i < 500 && slack.received.size() < n; i++) {
      Thread.sleep(20);
    }
    assertTrue(slack.received.size() >= n, "Slack received " + slack.received);
  }

  private RunView result(RunbookWorkflow wf) throws Exception {
    return WorkflowStub.fromTyped(wf).getResult(90, TimeUnit.SECONDS, RunView.class);
  }

  private JsonNode post(int i) throws Exception {
    return JSON.readTree(slack.received.get(i).body());
  }

  /** Nothing Slack received, the worker logged, or history holds names the webhook or password. */
  private void noSecretAnywhere(String runId) {
    for (SlackReceiver.Received r : slack.received) {
      assertFalse(r.body().contains("CANARYwebhookTOKEN"), r.body());
      assertFalse(r.body().contains(PASSWORD), r.body());
    }
    for (String line : log) {
      assertFalse(line.contains("CANARYwebhookTOKEN") || line.contains(PASSWORD), line);
    }
    for (HistoryEvent event : env.getWorkflowClient().fetchHistory(runId).getEvents()) {
      String text = event.toString();
      assertFalse(
          text.contains("CANARYwebhookTOKEN") || text.contains(PASSWORD),
          event.getEventType().name());
    }
  }

  @Test
  void aGateAndTheCompletionArePostedWithTheApproveCommand() throws Exception {
    start(new SlackReceiver());
    Plan plan = plan(true);
    RunbookWorkflow wf = launch("door-1", plan);
    awaitPosts(1); // the gate's notice, before anyone decides
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView run = result(wf);

    assertEquals(RunStatus.COMPLETED, run.status());
    assertEquals(2, slack.received.size());
    JsonNode gate = post(0);
    assertEquals(SlackReceiver.PATH, slack.received.get(0).path());
    assertEquals("application/json; charset=utf-8", slack.received.get(0).contentType());
    assertEquals("#db-ops", gate.path("channel").asText());
    String text = gate.path("text").asText();
    assertTrue(
        text.startsWith(
            ":raised_hand: Approval needed: run `door-1` (open-door v3, stage, launched by erin,"
                + " ticket OPS-7) waits at gate `stage/ok` for 1 approval from team db-leads,"
                + " until "),
        text);
    assertTrue(text.contains("\nopening 203.0.113.7 on the jump box\n"), text);
    assertTrue(text.contains("\nApprove: `runbook approve door-1 --gate stage/ok`\n"), text);
    assertEquals("section", gate.path("blocks").path(0).path("type").asText());
    assertEquals(text, gate.path("blocks").path(0).path("text").path("text").asText());
    assertEquals(
        "runbook run `door-1` · stage",
        gate.path("blocks").path(1).path("elements").path(0).path("text").asText());
    assertEquals(
        ":white_check_mark: Run `door-1` completed (open-door v3, stage, launched by erin, ticket"
            + " OPS-7).\n3 steps completed.\nDetails: `runbook status door-1`, `runbook audit"
            + " door-1`",
        post(1).path("text").asText());
    assertEquals(
        List.of(
            "approval-needed stage/ok: posted to Slack #db-ops",
            "completed: posted to Slack #db-ops"),
        run.notices());
    noSecretAnywhere("door-1");
  }

  @Test
  void aFailureAndAnIncompleteCompensationArePostedWithWhatToDo() throws Exception {
    start(new SlackReceiver());
    Plan plan = plan(false);

    RunbookWorkflow failing = launch("door-2", plan);
    awaitPosts(1);
    failing.decide(new ApprovalDecision("stage/ok", "bob", Decision.APPROVE, "", plan.hash()));
    assertEquals(RunStatus.FAILED, result(failing).status());
    assertEquals(
        ":x: Run `door-2` ended FAILED (open-door v3, stage, launched by erin, ticket OPS-7):"
            + " step check: the door did not open.\n"
            + "2 steps completed; undos: 1 done.\n"
            + "Details: `runbook status door-2`, `runbook audit door-2`",
        post(1).path("text").asText());

    door.revokeFails = true;
    RunbookWorkflow stuck = launch("door-3", plan);
    awaitPosts(3);
    stuck.decide(new ApprovalDecision("stage/ok", "bob", Decision.APPROVE, "", plan.hash()));
    RunView run = result(stuck);
    assertEquals(RunStatus.COMPENSATION_INCOMPLETE, run.status());
    assertEquals(4, slack.received.size());
    String text = post(3).path("text").asText();
    assertEquals(
        ":rotating_light: Run `door-3` ended COMPENSATION_INCOMPLETE (open-door v3, stage,"
            + " launched by erin, ticket OPS-7): step check: the door did not open.\n"
            + "2 steps completed; undos: 1 failed.\n"
            + "Undo that failed: stage/allow (aws.ec2.revoke-ingress): CONFIGURATION: sg-1 is not"
            + " ours to change\n"
            + "Someone must clean up by hand.\n"
            + "Details: `runbook status door-3`, `runbook audit door-3`",
        text);
    noSecretAnywhere("door-2");
    noSecretAnywhere("door-3");
  }

  @Test
  void fiveHundredsAreRetriedUntilSlackTakesTheNotice() throws Exception {
    start(
        new SlackReceiver(
            new SlackReceiver.Reply(503, "", null), new SlackReceiver.Reply(500, "", null)));
    Plan plan = plan(true);
    RunbookWorkflow wf = launch("door-4", plan);
    awaitPosts(3); // two 5xx, then the gate's notice is taken
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView run = result(wf);

    assertEquals(RunStatus.COMPLETED, run.status());
    assertEquals(4, slack.received.size());
    assertEquals(post(0).path("text"), post(2).path("text"));
    assertEquals(
        List.of(
            "approval-needed stage/ok: posted to Slack #db-ops",
            "completed: posted to Slack #db-ops"),
        run.notices());
    assertTrue(
        log.stream().anyMatch(l -> l.contains("Approval needed") && l.endsWith("3 attempts)")),
        log.toString());
  }

  @Test
  void whenSlackIsDownTheRunEndsAsItWouldAndSaysTheNoticesWereNotSent() throws Exception {
    SlackReceiver.Reply down = new SlackReceiver.Reply(503, "", null);
    start(
        new SlackReceiver(down, down, down, down, down, down, down, down, down, down, down, down));
    Plan plan = plan(true);
    RunbookWorkflow wf = launch("door-5", plan);
    awaitPosts(6); // both attempts of the gate's notice, so its outcome is in before the end
    wf.decide(new ApprovalDecision("stage/ok", "alice", Decision.APPROVE, "", plan.hash()));
    RunView run = result(wf);

    assertEquals(RunStatus.COMPLETED, run.status());
    assertEquals("", run.failure());
    assertEquals(List.of(), run.compensations());
    // 3 posts per attempt (the webhook client's own retries), 2 attempts per notice
    assertEquals(12, slack.received.size());
    assertEquals(2, run.notices().size(), run.notices().toString());
    for (String notice : run.notices()) {
      assertTrue(
          notice.endsWith(
              ": not sent (TRANSIENT: notify of stage (webhook secret stage/slack-webhook): Slack"
                  + " answered 503 after 3 attempts)"),
          notice);
    }
    noSecretAnywhere("door-5");
  }
}
