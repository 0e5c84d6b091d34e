package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.ApprovalPolicy;
import dev.runbook.engine.plan.ApprovalPolicy.TimeoutOutcome;
import dev.runbook.engine.plan.ApprovalStep;
import dev.runbook.engine.plan.AssertStep;
import dev.runbook.engine.plan.Compensation;
import dev.runbook.engine.plan.Gate;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.plan.RetryPolicy;
import dev.runbook.engine.plan.RunbookRef;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.plan.WaitStep;
import dev.runbook.engine.spec.YamlLoader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanCompilerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static final String ACCESS =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata:
        name: db-access
        version: 3
        description: Temporary access through the jump box
        owners: [db-team]
      params:
        ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$' }
        cidr: { type: string, default: 203.0.113.7/32 }
        hold: { type: duration, default: 15m }
      environments: [stage, prod]
      steps:
        - id: jump
          uses: aws.ec2.start
        - id: allow
          uses: aws.ec2.allow-ingress
          with: { cidr: "${{ params.cidr }}", description: "runbook ${{ params.ticket }}" }
        - id: check
          uses: sql.query
          when: "${{ env.name == 'prod' }}"
          with:
            database: platform
            query: "SELECT count(*) AS n FROM users WHERE created_at > :since"
            bind: { since: "2026-01-01" }
        - id: ok
          uses: approval
          with: { approvers: { users: [erin, carol] }, shows: [check], message: "rows: ${{ steps.check.outputs.rowCount }}" }
        - id: hold
          uses: wait
          with: { duration: "${{ params.hold }}" }
        - id: sure
          uses: assert
          with: { that: "${{ steps.check.outputs.rowCount >= 0 }}", message: still there }
      gates:
        promote:
          approvers: { group: db-team }
          min: 2
          timeout: 2h
      finally:
        - uses: aws.ec2.stop
          with: { instance: "${{ steps.jump.outputs.instanceId }}" }
      """;

  @Test
  void compilesEveryEarlierEnvironmentThenTheTargetBehindThePromoteGate() throws Exception {
    Plan plan = Fixtures.plan(ACCESS, "prod", Map.of("ticket", "OPS-7"));

    Map<String, JsonNode> params = new LinkedHashMap<>();
    params.put("ticket", TextNode.valueOf("OPS-7"));
    params.put("cidr", TextNode.valueOf("203.0.113.7/32"));
    params.put("hold", TextNode.valueOf("15m"));
    Plan expected =
        new Plan(
            Plan.FORMAT,
            new RunbookRef(
                "db-access",
                3,
                YamlLoader.sha256(ACCESS),
                "Temporary access through the jump box",
                List.of("db-team")),
            "prod",
            params,
            List.of(
                new Stage(
                    "stage", "runbook-stage", false, facts("stage"), null, steps("stage", false)),
                new Stage(
                    "prod",
                    "runbook-prod",
                    false,
                    facts("prod"),
                    new Gate(
                        "promote",
                        new ApprovalPolicy(
                            "db-team",
                            List.of("carol", "dave"),
                            2,
                            Duration.ofHours(2),
                            TimeoutOutcome.FAIL,
                            false,
                            "")),
                    steps("prod", true))),
            List.of(
                new ActivityStep(
                    "finally_1",
                    "aws.ec2.stop",
                    "aws.ec2.stop",
                    BooleanNode.TRUE,
                    Duration.ofMinutes(10),
                    RetryPolicy.DEFAULT,
                    json("{\"instance\": \"${{ steps.jump.outputs.instanceId }}\"}"),
                    null,
                    null)),
            "");

    assertEquals(PlanJson.withHash(expected), plan);
  }

  @Test
  void aRehearsalEnvironmentRunsAnyRunbookAloneWithItsOwnTeamsAndSelfApproval() {
    Plan plan = Fixtures.plan(ACCESS, "local", Map.of("ticket", "OPS-7"));

    assertEquals(List.of("local"), plan.stages().stream().map(Stage::environment).toList());
    Stage local = plan.stages().get(0);
    assertEquals(null, local.gateBefore());
    assertEquals(true, local.rehearsal());
    ApprovalStep ok = (ApprovalStep) local.steps().get(3);
    assertEquals(true, ok.policy().allowSelfApproval());
  }

  @Test
  void theTargetStageAloneWhenItIsTheFirstEnvironment() {
    Plan plan = Fixtures.plan(ACCESS, "stage", Map.of("ticket", "OPS-7"));

    assertEquals(List.of("stage"), plan.stages().stream().map(Stage::environment).toList());
    assertEquals(BooleanNode.FALSE, plan.stages().get(0).steps().get(2).when());
  }

  @Test
  void wholeSqlParamsAndMapParamsAreResolvedIntoTheStepAndValuesStayInert() throws Exception {
    String runbook =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1, description: fix, owners: [db-team] }
        params:
          change: { type: sql, kind: dml }
          bind: { type: map, default: {} }
          note: { type: string, default: "" }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["${{ params.change }}"]
              bind: "${{ params.bind }}"
              expectRows: 1
          - id: tell
            uses: notify
            with: { text: "note: ${{ params.note }} (${{ run.status }})" }
        """;
    Plan plan =
        Fixtures.plan(
            runbook,
            "stage",
            Map.of(
                "change", "UPDATE invoices SET note = :note WHERE id = :id",
                "bind", "{\"id\": 42, \"note\": \"${{ run.id }}\"}",
                "note", "${{ run.launcher }}"));

    ActivityStep fix = (ActivityStep) plan.stages().get(0).steps().get(0);
    assertEquals(
        json(
            """
            {"database": "platform",
             "statements": ["UPDATE invoices SET note = :note WHERE id = :id"],
             "bind": {"id": 42, "note": "$${{ run.id }}"},
             "expectRows": 1}
            """),
        fix.with());
    ActivityStep tell = (ActivityStep) plan.stages().get(0).steps().get(1);
    assertEquals(
        TextNode.valueOf("note: $${{ run.launcher }} (${{ run.status }})"),
        tell.with().get("text"));
  }

  private static List<Step> steps(String env, boolean checkRuns) throws Exception {
    return List.of(
        new ActivityStep(
            "jump",
            "aws.ec2.start",
            "aws.ec2.start",
            BooleanNode.TRUE,
            Duration.ofMinutes(10),
            RetryPolicy.DEFAULT,
            NODES.objectNode(),
            null,
            null),
        new ActivityStep(
            "allow",
            "aws.ec2.allow-ingress",
            "aws.ec2.allow-ingress",
            BooleanNode.TRUE,
            Duration.ofMinutes(1),
            RetryPolicy.DEFAULT,
            json("{\"cidr\": \"203.0.113.7/32\", \"description\": \"runbook OPS-7\"}"),
            null,
            new Compensation(
                "aws.ec2.revoke-ingress",
                json(
                    """
                    {"cidr": "${{ steps.allow.outputs.cidr }}",
                     "port": "${{ steps.allow.outputs.port }}",
                     "securityGroup": "${{ steps.allow.outputs.securityGroupId }}"}
                    """),
                Duration.ofMinutes(1),
                RetryPolicy.DEFAULT,
                true)),
        new ActivityStep(
            "check",
            "sql.query on platform",
            "sql.query",
            BooleanNode.valueOf(checkRuns),
            Duration.ofMinutes(10),
            RetryPolicy.DEFAULT,
            json(
                """
                {"database": "platform",
                 "query": "SELECT count(*) AS n FROM users WHERE created_at > :since",
                 "bind": {"since": "2026-01-01"}}
                """),
            null,
            null),
        new ApprovalStep(
            "ok",
            "approval",
            BooleanNode.TRUE,
            new ApprovalPolicy(
                null,
                List.of("carol", "erin"),
                1,
                Duration.ofHours(24),
                TimeoutOutcome.FAIL,
                false,
                "rows: ${{ steps.check.outputs.rowCount }}"),
            List.of("check")),
        new WaitStep("hold", "wait", BooleanNode.TRUE, Duration.ofMinutes(15)),
        new AssertStep(
            "sure",
            "assert",
            BooleanNode.TRUE,
            TextNode.valueOf("${{ steps.check.outputs.rowCount >= 0 }}"),
            "still there"));
  }

  private static JsonNode facts(String env) throws Exception {
    return json(
        """
        {"name": "%s", "provider": "aws", "rehearsal": false, "region": "eu-west-1",
         "taskQueue": "runbook-%s",
         "databases": {"platform": {"engine": "postgresql",
            "endpoint": "platform-%s.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
            "port": 5432, "database": "platform", "via": "direct"}}}
        """
            .formatted(env, env, env));
  }

  private static JsonNode json(String text) throws Exception {
    return normalise(JSON.readTree(text));
  }

  /** The loader yields longs for integers; Jackson's parser yields ints. */
  private static JsonNode normalise(JsonNode node) {
    if (node.isInt()) {
      return NODES.numberNode(node.asLong());
    }
    if (node.isObject()) {
      var out = NODES.objectNode();
      node.fields().forEachRemaining(e -> out.set(e.getKey(), normalise(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      var out = NODES.arrayNode();
      node.forEach(item -> out.add(normalise(item)));
      return out;
    }
    return node;
  }
}
