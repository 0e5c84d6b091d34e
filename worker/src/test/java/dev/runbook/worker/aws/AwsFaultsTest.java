package dev.runbook.worker.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.StepTestEnvironment;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AWS faults from the HTTP stub not covered elsewhere: 5xx answers (a burst the SDK retries, then
 * one that outlasts its retries), and a snapshot that never becomes available: each attempt waits
 * its maximum, the step fails after its retries and the run's earlier step is undone. Throttling
 * and AccessDenied are in {@link Ec2StepsTest} and {@link RdsStepsTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AwsFaultsTest {
  private static final String CIDR = "203.0.113.7/32";
  private AwsTestKit kit;
  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
    kit.close();
  }

  private static StepRequest ingress() {
    return AwsStub.request("aws.ec2.allow-ingress", "{\"cidr\": \"" + CIDR + "\"}");
  }

  @Test
  void a5xxBurstIsRetriedByTheSdkAndTheStepSucceeds() {
    kit = new AwsTestKit();
    kit.aws.server.stubFor(
        post("/")
            .withRequestBody(matching(".*Action=AuthorizeSecurityGroupIngress.*"))
            .inScenario("5xx")
            .whenScenarioStateIs(Scenario.STARTED)
            .willSetStateTo("still")
            .atPriority(1)
            .willReturn(AwsStub.xml(500, AwsStub.ec2Error("InternalError", "internal error"))));
    kit.aws.server.stubFor(
        post("/")
            .withRequestBody(matching(".*Action=AuthorizeSecurityGroupIngress.*"))
            .inScenario("5xx")
            .whenScenarioStateIs("still")
            .willSetStateTo("up")
            .atPriority(1)
            .willReturn(AwsStub.xml(503, AwsStub.ec2Error("Unavailable", "unavailable"))));
    kit.aws.ec2("AuthorizeSecurityGroupIngress", "<return>true</return>");

    StepResult r = kit.ec2.allowIngress(ingress());

    assertEquals(CIDR, r.outputs().path("cidr").asText(), r.outputs().toString());
    assertEquals(3, kit.aws.requests("AuthorizeSecurityGroupIngress").size());
  }

  @Test
  void a5xxThatOutlastsTheSdkRetriesIsARetryableTransientFailure() {
    kit = new AwsTestKit();
    kit.aws.ec2Error("AuthorizeSecurityGroupIngress", 500, "InternalError", "internal error");

    ApplicationFailure f = AwsTestKit.failure(() -> kit.ec2.allowIngress(ingress()));

    assertEquals("TRANSIENT", f.getType(), f.getOriginalMessage());
    assertFalse(f.isNonRetryable());
    assertEquals(3, kit.aws.requests("AuthorizeSecurityGroupIngress").size());
    assertTrue(
        f.getOriginalMessage().contains("ec2:AuthorizeSecurityGroupIngress"),
        f.getOriginalMessage());
  }

  private static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: snap-wait, version: 1 }
      environments: [stage]
      steps:
        - id: open
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: snap
          uses: aws.rds.snapshot
          retry: { maxAttempts: 2, initialInterval: 1s, backoff: 2.0, maxInterval: 1m }
          with: { database: platform }
      """;

  @Test
  void aSnapshotThatNeverBecomesAvailableTimesOutAndTheEarlierStepIsUndone() throws Exception {
    // each attempt waits at most 1s (the real default is hours), polling every 10ms
    AwsSettings settings =
        AwsStub.settings().withPolling(Duration.ofMillis(10), Duration.ofSeconds(1));
    kit = new AwsTestKit(settings);
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    EnvironmentSpec stage = kit.aws.environment();
    env.newWorker("runbook-stage")
        .registerActivitiesImplementations(AwsSteps.forEnvironment(stage, settings).toArray());
    env.start();

    String id = "snap-wait-stage-1";
    String snapshot = RdsNames.snapshot("platform", "snap-wait", id, "snap");
    String rule =
        "<securityGroupRuleSet><item><securityGroupRuleId>sgr-0abc</securityGroupRuleId>"
            + "<groupId>"
            + AwsStub.GROUP
            + "</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22"
            + "</fromPort><toPort>22</toPort><cidrIpv4>"
            + CIDR
            + "</cidrIpv4><tagSet><item><key>runbook:run-id</key><value>"
            + id
            + "</value></item></tagSet></item></securityGroupRuleSet>";
    kit.aws.ec2("AuthorizeSecurityGroupIngress", "<return>true</return>");
    kit.aws.ec2("DescribeSecurityGroupRules", rule);
    kit.aws.ec2("RevokeSecurityGroupIngress", "<return>true</return>");
    // not there before the create; then "creating" for ever
    kit.aws.rdsSequence(
        "DescribeDBSnapshots",
        List.of("<DBSnapshots/>", RdsStepsTest.snapshot(snapshot, "creating", id)));
    kit.aws.rds("CreateDBSnapshot", "<DBSnapshot/>");
    Plan plan = Fixtures.plan(RUNBOOK, "stage", Map.of());
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-1"));

    RunView result =
        WorkflowStub.fromTyped(env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id))
            .getResult(90, TimeUnit.SECONDS, RunView.class);

    assertEquals(RunStatus.FAILED, result.status(), result.failure());
    StepRecord snap = result.steps().get(1);
    assertEquals("snap " + StepOutcome.FAILED, snap.stepId() + " " + snap.outcome());
    assertTrue(
        snap.summary().contains("waited 1s for snapshot " + snapshot + " to be available"),
        snap.summary());
    assertTrue(snap.summary().contains("still creating"), snap.summary());
    assertEquals(
        1, kit.aws.requests("CreateDBSnapshot").size(), "the retry found its run's snapshot");
    List<CompensationRecord> undos = result.compensations();
    assertEquals(1, undos.size(), undos.toString());
    assertEquals("aws.ec2.revoke-ingress", undos.get(0).uses());
    assertEquals("open", undos.get(0).forStep());
    assertEquals(StepOutcome.COMPLETED, undos.get(0).outcome(), undos.get(0).message());
    assertEquals(1, kit.aws.requests("RevokeSecurityGroupIngress").size());
  }
}
