package dev.runbook.worker.aws;

import static dev.runbook.worker.aws.AwsStub.GROUP;
import static dev.runbook.worker.aws.AwsStub.INSTANCE;
import static dev.runbook.worker.aws.AwsStub.request;
import static dev.runbook.worker.aws.AwsTestKit.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.runbook.engine.activities.StepResult;
import io.temporal.failure.ApplicationFailure;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The EC2 steps against the AWS stub: leases, start and stop, the ingress rule and its revoke. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Ec2StepsTest {
  private AwsTestKit kit = new AwsTestKit();

  @AfterEach
  void close() {
    kit.close();
  }

  private static String instance(String state, String tags) {
    return "<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>"
        + "<instanceId>"
        + INSTANCE
        + "</instanceId><instanceState><code>16</code><name>"
        + state
        + "</name></instanceState><privateIpAddress>10.0.1.5</privateIpAddress>"
        + "<ipAddress>203.0.113.10</ipAddress><tagSet>"
        + tags
        + "</tagSet></item></instancesSet></item></reservationSet>";
  }

  private static String tag(String key, String value) {
    return "<item><key>" + key + "</key><value>" + value + "</value></item>";
  }

  private static String status(String state, String system, String inst) {
    return "<instanceStatusSet><item><instanceId>"
        + INSTANCE
        + "</instanceId><instanceState><code>16</code><name>"
        + state
        + "</name></instanceState><systemStatus><status>"
        + system
        + "</status></systemStatus><instanceStatus><status>"
        + inst
        + "</status></instanceStatus></item></instanceStatusSet>";
  }

  private void tagsOk() {
    kit.aws.ec2("CreateTags", "<return>true</return>");
    kit.aws.ec2("DeleteTags", "<return>true</return>");
  }

  @Test
  void startsAStoppedJumpBoxUnderALeaseAndWaitsForItsStatusChecks() {
    tagsOk();
    kit.aws.ec2Sequence(
        "DescribeInstances",
        List.of(instance("stopped", ""), instance("running", tag(Tags.STARTED_BY, "run-1"))));
    kit.aws.ec2("StartInstances", "<instancesSet/>");
    kit.aws.ec2Sequence(
        "DescribeInstanceStatus",
        List.of(
            status("pending", "initializing", "initializing"),
            status("running", "ok", "initializing"),
            status("running", "ok", "ok")));

    Instant before = Instant.now();
    StepResult r = kit.ec2.start(request("aws.ec2.start", "{}"));

    assertEquals(INSTANCE, r.outputs().path("instanceId").asText());
    assertTrue(r.outputs().path("startedByRun").asBoolean());
    assertEquals("running", r.outputs().path("state").asText());
    assertEquals("203.0.113.10", r.outputs().path("publicIp").asText());
    assertEquals("10.0.1.5", r.outputs().path("privateIp").asText());
    assertEquals(
        List.of(
            "CreateTags",
            "DescribeInstances",
            "CreateTags",
            "StartInstances",
            "DescribeInstanceStatus",
            "DescribeInstanceStatus",
            "DescribeInstanceStatus",
            "DescribeInstances"),
        kit.aws.actions());
    List<Map<String, String>> tags = kit.aws.requests("CreateTags");
    assertEquals(INSTANCE, tags.get(0).get("ResourceId.1"));
    assertEquals("runbook:lease:run-1", tags.get(0).get("Tag.1.Key"));
    String lease = tags.get(0).get("Tag.1.Value");
    assertTrue(lease.startsWith("carol until "), lease);
    Instant until = JumpBoxLeases.until(lease);
    assertTrue(!until.isBefore(before.plus(Duration.ofHours(12))), lease);
    assertEquals(
        Map.of(
            "Action",
            "CreateTags",
            "Version",
            "2016-11-15",
            "ResourceId.1",
            INSTANCE,
            "Tag.1.Key",
            "runbook:started-by",
            "Tag.1.Value",
            "run-1"),
        tags.get(1));
    assertEquals(INSTANCE, kit.aws.requests("StartInstances").get(0).get("InstanceId.1"));
    assertEquals(
        "true", kit.aws.requests("DescribeInstanceStatus").get(0).get("IncludeAllInstances"));
    assertEquals(until.toString(), r.outputs().path("leaseUntil").asText());
    // a heartbeat per look still waiting, saying what it saw (Temporal may merge them)
    assertFalse(kit.heartbeats.isEmpty());
    assertEquals(
        "instance "
            + INSTANCE
            + " to run and pass its status checks: pending, system status initializing,"
            + " instance status initializing (look 1)",
        kit.heartbeats.get(0));
  }

  @Test
  void aRunningJumpBoxIsLeasedButNotStartedAgain() {
    tagsOk();
    kit.aws.ec2("DescribeInstances", instance("running", ""));
    kit.aws.ec2("DescribeInstanceStatus", status("running", "ok", "ok"));

    StepResult r = kit.ec2.start(request("aws.ec2.start", "{}"));

    assertFalse(r.outputs().path("startedByRun").asBoolean());
    assertEquals(
        List.of("CreateTags", "DescribeInstances", "DescribeInstanceStatus", "DescribeInstances"),
        kit.aws.actions());
    assertTrue(r.summary().startsWith("found running " + INSTANCE), r.summary());
  }

  @Test
  void stopKeepsAJumpBoxThatAnotherRunStillLeases() {
    tagsOk();
    String future = Instant.now().plus(Duration.ofHours(1)).toString();
    kit.aws.ec2(
        "DescribeInstances",
        instance(
            "running",
            tag(Tags.STARTED_BY, "run-1")
                + tag("runbook:lease:run-1", "carol until " + future)
                + tag("runbook:lease:tunnel-dave-7", "dave until " + future)));

    StepResult r = kit.ec2.stop(request("aws.ec2.stop", "{\"instance\": \"" + INSTANCE + "\"}"));

    assertFalse(r.outputs().path("stopped").asBoolean());
    assertEquals(
        "still leased: tunnel-dave-7 (dave until " + future + "): left running",
        r.outputs().path("reason").asText());
    assertEquals(1, r.outputs().path("otherLeases").asInt(), "db-access keeps the sessions");
    assertEquals(List.of("DeleteTags", "DescribeInstances"), kit.aws.actions());
    assertEquals("runbook:lease:run-1", kit.aws.requests("DeleteTags").get(0).get("Tag.1.Key"));
  }

  @Test
  void stopStopsTheJumpBoxWhenOnlyExpiredLeasesRemainAndClearsTheTags() {
    tagsOk();
    kit.aws.ec2("StopInstances", "<instancesSet/>");
    String past = Instant.now().minus(Duration.ofMinutes(1)).toString();
    kit.aws.ec2(
        "DescribeInstances",
        instance(
            "running",
            tag(Tags.STARTED_BY, "run-0") + tag("runbook:lease:run-0", "bob until " + past)));

    StepResult r = kit.ec2.stop(request("aws.ec2.stop", "{\"instance\": \"" + INSTANCE + "\"}"));

    assertTrue(r.outputs().path("stopped").asBoolean());
    assertEquals(0, r.outputs().path("otherLeases").asInt(), "an expired lease is no lease");
    assertEquals(
        List.of("DeleteTags", "DescribeInstances", "DeleteTags", "StopInstances", "DeleteTags"),
        kit.aws.actions());
    List<Map<String, String>> deletes = kit.aws.requests("DeleteTags");
    assertEquals("runbook:lease:run-0", deletes.get(1).get("Tag.1.Key"));
    assertEquals("runbook:started-by", deletes.get(2).get("Tag.1.Key"));
    assertEquals(INSTANCE, kit.aws.requests("StopInstances").get(0).get("InstanceId.1"));
  }

  @Test
  void stopLeavesRunningAJumpBoxTheEngineDidNotStart() {
    tagsOk();
    kit.aws.ec2("DescribeInstances", instance("running", ""));

    StepResult r = kit.ec2.stop(request("aws.ec2.stop", "{\"instance\": \"" + INSTANCE + "\"}"));

    assertFalse(r.outputs().path("stopped").asBoolean());
    assertTrue(
        r.outputs()
            .path("reason")
            .asText()
            .startsWith("it was running before the engine started it"));
    assertTrue(kit.aws.requests("StopInstances").isEmpty());
  }

  @Test
  void allowIngressOpensExactlyTheGivenAddressOnTheSshPortNamingRunAndUser() {
    kit.aws.ec2("AuthorizeSecurityGroupIngress", "<return>true</return>");

    StepResult r =
        kit.ec2.allowIngress(request("aws.ec2.allow-ingress", "{\"cidr\": \"203.0.113.7/32\"}"));

    assertEquals(
        Map.ofEntries(
            Map.entry("Action", "AuthorizeSecurityGroupIngress"),
            Map.entry("Version", "2016-11-15"),
            Map.entry("GroupId", GROUP),
            Map.entry("IpPermissions.1.IpProtocol", "tcp"),
            Map.entry("IpPermissions.1.FromPort", "22"),
            Map.entry("IpPermissions.1.ToPort", "22"),
            Map.entry("IpPermissions.1.IpRanges.1.CidrIp", "203.0.113.7/32"),
            Map.entry("IpPermissions.1.IpRanges.1.Description", "runbook run-1 by carol"),
            Map.entry("TagSpecification.1.ResourceType", "security-group-rule"),
            Map.entry("TagSpecification.1.Tag.1.Key", "runbook:run-id"),
            Map.entry("TagSpecification.1.Tag.1.Value", "run-1"),
            Map.entry("TagSpecification.1.Tag.2.Key", "runbook:user"),
            Map.entry("TagSpecification.1.Tag.2.Value", "carol")),
        kit.aws.requests("AuthorizeSecurityGroupIngress").get(0));
    assertEquals(
        "{\"securityGroupId\":\""
            + GROUP
            + "\",\"cidr\":\"203.0.113.7/32\",\"port\":22,\"alreadyPresent\":false,"
            + "\"description\":\"runbook run-1 by carol\"}",
        r.outputs().toString());
  }

  @Test
  void anIngressRuleThatIsAlreadyThereIsSuccess() {
    kit.aws.ec2Error(
        "AuthorizeSecurityGroupIngress",
        400,
        "InvalidPermission.Duplicate",
        "the specified rule \"peer: 203.0.113.7/32, TCP, from port: 22, to port: 22, ALLOW\" already exists");

    StepResult r =
        kit.ec2.allowIngress(request("aws.ec2.allow-ingress", "{\"cidr\": \"203.0.113.7\"}"));

    assertTrue(r.outputs().path("alreadyPresent").asBoolean());
    assertEquals("203.0.113.7/32", r.outputs().path("cidr").asText());
  }

  @Test
  void aNetworkInsteadOfOneAddressIsRefusedBeforeAnyCall() {
    ApplicationFailure f =
        failure(
            () ->
                kit.ec2.allowIngress(
                    request("aws.ec2.allow-ingress", "{\"cidr\": \"10.0.0.0/8\"}")));

    assertEquals("INVALID_PLAN", f.getType());
    assertEquals(
        "refused: cidr 10.0.0.0/8 is a network, not one address: the engine opens only a single host (/32)",
        f.getOriginalMessage());
    ApplicationFailure v6 =
        failure(
            () ->
                kit.ec2.allowIngress(
                    request("aws.ec2.allow-ingress", "{\"cidr\": \"2001:db8::/64\"}")));
    assertTrue(
        v6.getOriginalMessage().contains("only a single host (/128)"), v6.getOriginalMessage());
    assertEquals(List.of(), kit.aws.actions());
  }

  @Test
  void withoutACidrTheWorkersAddressIsAskedOfTheConfiguredService() throws Exception {
    HttpServer checkIp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    checkIp.createContext(
        "/",
        exchange -> {
          byte[] body = "198.51.100.4\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    checkIp.start();
    kit.close();
    kit =
        new AwsTestKit(
            AwsStub.settings()
                .withCheckIp(
                    URI.create("http://127.0.0.1:" + checkIp.getAddress().getPort() + "/"),
                    Duration.ofSeconds(2)));
    try {
      kit.aws.ec2("AuthorizeSecurityGroupIngress", "<return>true</return>");
      StepResult r = kit.ec2.allowIngress(request("aws.ec2.allow-ingress", "{\"port\": 2222}"));
      assertEquals("198.51.100.4/32", r.outputs().path("cidr").asText());
      Map<String, String> sent = kit.aws.requests("AuthorizeSecurityGroupIngress").get(0);
      assertEquals("198.51.100.4/32", sent.get("IpPermissions.1.IpRanges.1.CidrIp"));
      assertEquals("2222", sent.get("IpPermissions.1.FromPort"));
    } finally {
      checkIp.stop(0);
    }
  }

  @Test
  void anUnreachableAddressServiceFailsWithAMessageSayingWhatToGive() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    kit.close();
    kit =
        new AwsTestKit(
            AwsStub.settings()
                .withCheckIp(
                    URI.create("http://127.0.0.1:" + closed + "/"), Duration.ofSeconds(2)));

    ApplicationFailure f =
        failure(() -> kit.ec2.allowIngress(request("aws.ec2.allow-ingress", "{}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "cannot detect the worker's public address: http://127.0.0.1:"
                    + closed
                    + "/ is not reachable ("),
        f.getOriginalMessage());
    assertTrue(
        f.getOriginalMessage()
            .endsWith(
                "; give the address instead: `cidr` in the step's with (e.g. -p cidr=203.0.113.7/32)"),
        f.getOriginalMessage());
    assertEquals(List.of(), kit.aws.actions());
  }

  private static String rule(String id, String cidr, String runId) {
    return "<item><securityGroupRuleId>"
        + id
        + "</securityGroupRuleId><groupId>"
        + GROUP
        + "</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol>"
        + "<fromPort>22</fromPort><toPort>22</toPort><cidrIpv4>"
        + cidr
        + "</cidrIpv4><tagSet>"
        + (runId == null ? "" : tag("runbook:run-id", runId))
        + "</tagSet></item>";
  }

  @Test
  void revokeFindsItsRuleAcrossPagesAndRemovesOnlyThatOne() {
    kit.aws.ec2Sequence(
        "DescribeSecurityGroupRules",
        List.of(
            "<securityGroupRuleSet>"
                + rule("sgr-0aaa", "192.0.2.1/32", null)
                + "</securityGroupRuleSet><nextToken>page-2</nextToken>",
            "<securityGroupRuleSet>"
                + rule("sgr-0bbb", "203.0.113.7/32", "run-1")
                + "</securityGroupRuleSet>"));
    kit.aws.ec2("RevokeSecurityGroupIngress", "<return>true</return>");

    StepResult r =
        kit.ec2.revokeIngress(
            request(
                "aws.ec2.revoke-ingress",
                "{\"securityGroup\": \""
                    + GROUP
                    + "\", \"cidr\": \"203.0.113.7/32\", \"port\": 22}"));

    assertTrue(r.outputs().path("revoked").asBoolean());
    List<Map<String, String>> pages = kit.aws.requests("DescribeSecurityGroupRules");
    assertEquals("group-id", pages.get(0).get("Filter.1.Name"));
    assertEquals(GROUP, pages.get(0).get("Filter.1.Value.1"));
    assertEquals(null, pages.get(0).get("NextToken"));
    assertEquals("page-2", pages.get(1).get("NextToken"));
    Map<String, String> revoke = kit.aws.requests("RevokeSecurityGroupIngress").get(0);
    assertEquals(GROUP, revoke.get("GroupId"));
    assertEquals("sgr-0bbb", revoke.get("SecurityGroupRuleId.1"));
  }

  @Test
  void revokeLeavesARuleThisRunDidNotAdd() {
    kit.aws.ec2(
        "DescribeSecurityGroupRules",
        "<securityGroupRuleSet>"
            + rule("sgr-0ccc", "203.0.113.7/32", "run-other")
            + "</securityGroupRuleSet>");

    StepResult r =
        kit.ec2.revokeIngress(
            request(
                "aws.ec2.revoke-ingress",
                "{\"securityGroup\": \""
                    + GROUP
                    + "\", \"cidr\": \"203.0.113.7/32\", \"port\": 22}"));

    assertFalse(r.outputs().path("revoked").asBoolean());
    assertEquals(
        "the rule was not added by this run: left in place", r.outputs().path("reason").asText());
    assertTrue(kit.aws.requests("RevokeSecurityGroupIngress").isEmpty());
  }

  @Test
  void throttlingIsRetriedByTheSdkWithBackoff() {
    tagsOk();
    kit.aws.ec2("DescribeInstances", instance("stopped", ""));
    kit.aws.ec2Sequence("StartInstances", List.of("THROTTLE", "<instancesSet/>"));
    // the first StartInstances answers 503 RequestLimitExceeded
    kit.aws.server.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.post("/")
            .withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.matching(
                    ".*Action=StartInstances.*"))
            .inScenario("throttle")
            .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
            .willSetStateTo("calm")
            .atPriority(1)
            .willReturn(
                AwsStub.xml(
                    503, AwsStub.ec2Error("RequestLimitExceeded", "Request limit exceeded."))));

    StepResult r = kit.ec2.start(request("aws.ec2.start", "{\"wait\": false}"));

    assertTrue(r.outputs().path("startedByRun").asBoolean());
    assertEquals(2, kit.aws.requests("StartInstances").size());
  }

  @Test
  void throttlingThatOutlastsTheSdkRetriesIsATransientFailureWithEveryRequestId() {
    tagsOk();
    kit.aws.ec2("DescribeInstances", instance("stopped", ""));
    kit.aws.ec2Error("StartInstances", 503, "RequestLimitExceeded", "Request limit exceeded.");

    ApplicationFailure f =
        failure(() -> kit.ec2.start(request("aws.ec2.start", "{\"wait\": false}")));

    assertEquals("TRANSIENT", f.getType());
    assertFalse(f.isNonRetryable());
    assertEquals(3, kit.aws.requests("StartInstances").size());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "AWS throttled ec2:StartInstances on instance " + INSTANCE + " in eu-west-1"),
        f.getOriginalMessage());
    String details = f.getDetails().get(0, Map.class).toString();
    assertTrue(details.contains("ec2:CreateTags req-"), details);
    assertTrue(details.contains("ec2:DescribeInstances req-"), details);
    assertTrue(details.contains("(RequestLimitExceeded)"), details);
  }

  @Test
  void accessDeniedNamesTheIamActionAndIsNotRetried() {
    kit.aws.ec2Error(
        "CreateTags",
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.");

    ApplicationFailure f = failure(() -> kit.ec2.start(request("aws.ec2.start", "{}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "AWS denied ec2:CreateTags on instance "
                    + INSTANCE
                    + " to the worker of stage (UnauthorizedOperation): grant ec2:CreateTags to its role"),
        f.getOriginalMessage());
    assertTrue(
        f.getOriginalMessage().matches(".*\\(AWS request id req-[0-9]+-.*\\)$"),
        f.getOriginalMessage());
    assertEquals(1, kit.aws.requests("CreateTags").size());
  }

  @Test
  void anUnknownInstanceIsNamedAndNotRetried() {
    kit.aws.ec2Error(
        "CreateTags",
        400,
        "InvalidInstanceID.NotFound",
        "The instance ID 'i-0ffffffffffffffff' does not exist");

    ApplicationFailure f =
        failure(
            () ->
                kit.ec2.start(request("aws.ec2.start", "{\"instance\": \"i-0ffffffffffffffff\"}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "instance i-0ffffffffffffffff not found in eu-west-1 (InvalidInstanceID.NotFound: The instance ID 'i-0ffffffffffffffff' does not exist)"),
        f.getOriginalMessage());
  }
}
