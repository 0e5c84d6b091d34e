package dev.runbook.worker.aws;

import static dev.runbook.worker.aws.AwsStub.request;
import static dev.runbook.worker.aws.AwsTestKit.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.CredentialSource;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code aws.secrets.get} and the Secrets Manager credential source, with a canary password that
 * must appear in no output, summary, failure, log line or {@code toString}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecretsStepsTest {
  static final String CANARY = "canary-Pw-7f3a9c2e1b";
  private final AwsTestKit kit = new AwsTestKit();

  @AfterEach
  void close() {
    kit.assertNotLogged(CANARY);
    kit.close();
  }

  private void secretValue(String json) {
    kit.aws.secrets(
        "GetSecretValue",
        200,
        "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/platform/runbook-AbCdEf\","
            + "\"Name\":\"stage/platform/runbook\",\"VersionId\":\"v1\",\"SecretString\":"
            + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(json).toString()
            + "}");
  }

  @Test
  void getReturnsAHandleAfterCheckingTheSecretWithoutReadingItsValue() {
    kit.aws.secrets(
        "DescribeSecret",
        200,
        "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/platform/runbook-AbCdEf\","
            + "\"Name\":\"stage/platform/runbook\"}");
    secretValue("{\"username\":\"runbook\",\"password\":\"" + CANARY + "\"}");

    StepResult r = kit.secrets.get(request("aws.secrets.get", "{\"database\": \"platform\"}"));

    assertEquals(
        "{\"handle\":\"secret:stage/platform/runbook\",\"secretId\":\"stage/platform/runbook\","
            + "\"arn\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/platform/runbook-AbCdEf\"}",
        r.outputs().toString());
    assertEquals(java.util.List.of("secretsmanager.DescribeSecret"), kit.aws.actions());
    assertEquals(
        "{\"SecretId\":\"stage/platform/runbook\"}",
        kit.aws.server.getAllServeEvents().get(0).getRequest().getBodyAsString());
  }

  @Test
  void anUnknownSecretIsNamed() {
    kit.aws.secrets(
        "DescribeSecret",
        400,
        "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}");

    ApplicationFailure f =
        failure(
            () -> kit.secrets.get(request("aws.secrets.get", "{\"secretId\": \"stage/nope\"}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "secret stage/nope not found in eu-west-1 (ResourceNotFoundException: Secrets"
                    + " Manager can't find the specified secret.) (AWS request id req-"),
        f.getOriginalMessage());
  }

  @Test
  void theCredentialSourceReadsTheRdsJsonSecretAndKeepsItBriefly() {
    secretValue(
        "{\"engine\":\"postgres\",\"username\":\"runbook\",\"password\":\""
            + CANARY
            + "\",\"host\":\"platform-stage\"}");
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    AwsClients clients =
        AwsClients.of(AwsEnvironment.from(kit.aws.environment()), AwsStub.settings());
    try {
      var source =
          new SecretsManagerCredentialSource(clients.secrets(), Duration.ofSeconds(60), clock);
      Credentials first = source.fetch("stage/platform/runbook");
      Credentials again = source.fetch("secret:stage/platform/runbook"); // a handle works too
      assertEquals("runbook", first.username());
      assertEquals(CANARY, first.password());
      assertEquals(first, again);
      assertEquals(1, kit.aws.actions().size(), "read once within the cache time");
      now.set(now.get().plusSeconds(61));
      source.fetch("stage/platform/runbook");
      assertEquals(2, kit.aws.actions().size(), "read again after the cache time");
      assertFalse(first.toString().contains(CANARY));
      assertFalse(source.toString().contains(CANARY));
      assertEquals(
          "{\"SecretId\":\"stage/platform/runbook\"}",
          kit.aws.server.getAllServeEvents().get(0).getRequest().getBodyAsString());
    } finally {
      clients.close();
    }
  }

  @Test
  void aSecretThatIsNotUserAndPasswordJsonFailsWithoutQuotingIt() {
    secretValue("{\"username\": \"runbook\", \"pass" + CANARY);
    AwsClients clients =
        AwsClients.of(AwsEnvironment.from(kit.aws.environment()), AwsStub.settings());
    try {
      var source = SecretsManagerCredentialSource.of(clients, AwsStub.settings());
      CredentialSource.CredentialException e =
          assertThrows(
              CredentialSource.CredentialException.class,
              () -> source.fetch("stage/platform/runbook"));
      assertEquals(
          "secret stage/platform/runbook is not the JSON {\"username\": ..., \"password\": ...} of a database user",
          e.getMessage());
    } finally {
      clients.close();
    }
  }

  @Test
  void aRefusedSecretNamesTheActionAndTheRequestId() {
    kit.aws.server.stubFor(
        WireMock.post("/")
            .withHeader("X-Amz-Target", WireMock.equalTo("secretsmanager.GetSecretValue"))
            .willReturn(
                WireMock.aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/x-amz-json-1.1")
                    .withHeader("x-amzn-RequestId", "req-denied-1")
                    .withBody(
                        "{\"__type\":\"AccessDeniedException\",\"Message\":\"not authorized to perform: secretsmanager:GetSecretValue\"}")));
    AwsClients clients =
        AwsClients.of(AwsEnvironment.from(kit.aws.environment()), AwsStub.settings());
    try {
      var source = SecretsManagerCredentialSource.of(clients, AwsStub.settings());
      CredentialSource.CredentialException e =
          assertThrows(
              CredentialSource.CredentialException.class,
              () -> source.fetch("stage/platform/runbook"));
      assertEquals(
          "cannot read secret stage/platform/runbook from AWS Secrets Manager (AccessDeniedException:"
              + " grant secretsmanager:GetSecretValue on it to the worker's role; AWS request id req-denied-1)",
          e.getMessage());
    } finally {
      clients.close();
    }
  }
}
