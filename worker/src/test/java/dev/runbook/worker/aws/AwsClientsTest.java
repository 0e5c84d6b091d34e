package dev.runbook.worker.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The clients of an environment: the role assumed once through STS and its keys used after. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AwsClientsTest {
  @Test
  void theEnvironmentsRoleIsAssumedOnceAndItsTemporaryKeysSignEveryCall() {
    try (AwsStub aws = new AwsStub()) {
      aws.server.stubFor(
          com.github.tomakehurst.wiremock.client.WireMock.post("/")
              .withRequestBody(matching("(.*&)?Action=AssumeRole(&.*)?"))
              .willReturn(
                  AwsStub.xml(
                      200,
                      "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                          + "<AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMEDKEY</AccessKeyId>"
                          + "<SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>token-1"
                          + "</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                          + "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/runbook-stage/"
                          + "runbook-stage</Arn><AssumedRoleId>AROAEXAMPLE:runbook-stage</AssumedRoleId>"
                          + "</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>sts-1"
                          + "</RequestId></ResponseMetadata></AssumeRoleResponse>")));
      aws.ec2("DescribeInstances", "<reservationSet/>");
      AwsEnvironment env =
          AwsEnvironment.from(
              aws.environment(
                  ", roleArn: \"arn:aws:iam::123456789012:role/runbook-stage\"",
                  AwsStub.DATABASES));

      try (AwsClients clients = AwsClients.of(env, AwsStub.settings())) {
        clients.ec2().describeInstances();
        clients.ec2().describeInstances();
      }

      List<Map<String, String>> assume = aws.requests("AssumeRole");
      assertEquals(1, assume.size(), "the role is assumed once and its keys reused");
      assertEquals("arn:aws:iam::123456789012:role/runbook-stage", assume.get(0).get("RoleArn"));
      assertEquals("runbook-stage", assume.get(0).get("RoleSessionName"));
      List<LoggedRequest> ec2 =
          aws.server.findAll(
              postRequestedFor(urlEqualTo("/"))
                  .withRequestBody(matching("(.*&)?Action=DescribeInstances(&.*)?")));
      assertEquals(2, ec2.size());
      for (LoggedRequest r : ec2) {
        assertTrue(
            r.getHeader("Authorization").contains("Credential=ASIAASSUMEDKEY/"),
            r.getHeader("Authorization"));
        assertEquals("token-1", r.getHeader("X-Amz-Security-Token"));
      }
      LoggedRequest sts =
          aws.server
              .findAll(
                  postRequestedFor(urlEqualTo("/"))
                      .withRequestBody(matching("(.*&)?Action=AssumeRole(&.*)?")))
              .get(0);
      assertTrue(
          sts.getHeader("Authorization").contains("Credential=AKIDTESTTEST/"),
          "STS is called with the base credentials");
    }
  }

  @Test
  void theSessionNameFitsStsRules() {
    assertEquals("runbook-stage", AwsClients.sessionName("stage"));
    assertEquals(64, AwsClients.sessionName("x".repeat(100)).length());
  }
}
