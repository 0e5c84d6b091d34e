package dev.runbook.worker.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A plan run by the interpreter (time-skipping test server) with the real AWS steps on the {@code
 * stage} queue against the AWS stub, and the real SQL steps on the embedded PostgreSQL whose
 * password comes from the stubbed Secrets Manager: the ingress rule, the secret handle, a query
 * with the secret's credentials, a failing assert, the rule revoked as the undo. The password (the
 * canary) is in no history event, output, failure or log line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AwsWorkflowTest {
  private static LocalPostgres postgres;
  private static Credentials credentials;
  private TestWorkflowEnvironment env;
  private AwsTestKit kit;
  private final List<Object> closeables = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0,
                List.of(
                    new LocalDatabases.Database("platform", "awstest", "stage/platform/runbook")),
                null));
    credentials = LocalSecrets.read(postgres.secretsFile()).get("stage/platform/runbook");
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @BeforeEach
  void start() {
    kit = new AwsTestKit();
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    EnvironmentSpec stage =
        kit.aws.environment(
            "",
            """
            platform:
              engine: postgresql
              endpoint: platform-stage.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com
              port: 5432
              database: awstest
              secretId: stage/platform/runbook
              rds: { instanceId: platform-stage }
            """);
    AwsClients clients = AwsClients.of(AwsEnvironment.from(stage), AwsStub.settings());
    CredentialSource secrets = SecretsManagerCredentialSource.of(clients, AwsStub.settings());
    JdbcSqlActivities sql =
        new JdbcSqlActivities(
            SqlTargets.of(
                List.of(stage),
                Map.of("stage/platform", new SqlTargets.Endpoint("127.0.0.1", postgres.port())),
                Map.of("stage", secrets)),
            SqlSettings.defaults());
    List<Object> steps = new ArrayList<>(AwsSteps.forEnvironment(clients, AwsStub.settings()));
    steps.add(sql);
    closeables.addAll(steps);
    env.newWorker("runbook-stage").registerActivitiesImplementations(steps.toArray());
    env.start();
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
    for (Object c : closeables) {
      ((AutoCloseable) c).close();
    }
    kit.close();
  }

  private static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: jump-check, version: 1 }
      environments: [stage]
      steps:
        - id: open
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: creds
          uses: aws.secrets.get
          with: { database: platform }
        - id: rows
          uses: sql.query
          with: { database: platform, query: "SELECT current_user AS who" }
        - id: check
          uses: assert
          with:
            that: "${{ steps.rows.outputs.rowCount == 2 }}"
            message: "expected two rows"
      """;

  @Test
  void theRunOpensTheRuleQueriesWithTheSecretsCredentialsAndRevokesTheRuleWhenItFails()
      throws Exception {
    String rule =
        "<securityGroupRuleSet><item><securityGroupRuleId>sgr-0abc</securityGroupRuleId>"
            + "<groupId>"
            + AwsStub.GROUP
            + "</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22"
            + "</fromPort><toPort>22</toPort><cidrIpv4>203.0.113.7/32</cidrIpv4><tagSet><item>"
            + "<key>runbook:run-id</key><value>jump-check-stage-1</value></item></tagSet></item>"
            + "</securityGroupRuleSet>";
    kit.aws.ec2("AuthorizeSecurityGroupIngress", "<return>true</return>");
    kit.aws.ec2("DescribeSecurityGroupRules", rule);
    kit.aws.ec2("RevokeSecurityGroupIngress", "<return>true</return>");
    kit.aws.secrets(
        "DescribeSecret",
        200,
        "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/platform/runbook-AbCdEf\","
            + "\"Name\":\"stage/platform/runbook\"}");
    kit.aws.secrets(
        "GetSecretValue",
        200,
        "{\"Name\":\"stage/platform/runbook\",\"SecretString\":"
            + new com.fasterxml.jackson.databind.ObjectMapper()
                .valueToTree(
                    "{\"username\":\""
                        + credentials.username()
                        + "\",\"password\":\""
                        + credentials.password()
                        + "\"}")
            + "}");
    Plan plan = Fixtures.plan(RUNBOOK, "stage", Map.of());
    String id = "jump-check-stage-1";
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
    List<String> outcomes =
        result.steps().stream().map(s -> s.stepId() + " " + s.outcome()).toList();
    assertEquals(
        List.of(
            "open " + StepOutcome.COMPLETED,
            "creds " + StepOutcome.COMPLETED,
            "rows " + StepOutcome.COMPLETED,
            "check " + StepOutcome.FAILED),
        outcomes);
    StepRecord rows = result.steps().get(2);
    assertTrue(rows.summary().startsWith("1 row from platform"), rows.summary());
    CompensationRecord undo = result.compensations().get(0);
    assertEquals("aws.ec2.revoke-ingress", undo.uses());
    assertEquals(StepOutcome.COMPLETED, undo.outcome(), undo.message());
    var authorize = kit.aws.requests("AuthorizeSecurityGroupIngress").get(0);
    assertEquals("203.0.113.7/32", authorize.get("IpPermissions.1.IpRanges.1.CidrIp"));
    assertEquals(
        "runbook " + id + " by carol", authorize.get("IpPermissions.1.IpRanges.1.Description"));
    assertEquals(
        "sgr-0abc",
        kit.aws.requests("RevokeSecurityGroupIngress").get(0).get("SecurityGroupRuleId.1"));
    assertEquals(
        1,
        kit.aws
            .server
            .findAll(
                com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/"))
                    .withHeader(
                        "X-Amz-Target",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo(
                            "secretsmanager.GetSecretValue")))
            .size(),
        "the password was read once, when the pool opened its connection");

    String history = env.getWorkflowClient().fetchHistory(id).toString();
    assertTrue(history.contains("secret:stage/platform/runbook"), "the handle is in the history");
    assertFalse(
        history.contains(credentials.password()), "the password is in the workflow history");
    assertFalse(
        result.toString().contains(credentials.password()), "the password is in the result");
    kit.assertNotLogged(credentials.password());
  }
}
