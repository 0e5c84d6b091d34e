package dev.runbook.worker.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import io.temporal.failure.ApplicationFailure;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code notify} against a real HTTP receiver on 127.0.0.1 playing Slack's incoming webhook. */
class SlackNotifyActivitiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET_ID = "local/slack-webhook";

  @TempDir Path dir;
  private final List<String> log = new CopyOnWriteArrayList<>();

  private SlackNotifyActivities notifier(String url, Optional<String> defaultChannel) {
    return new SlackNotifyActivities(
        Map.of("stage", new Notifications("stage", Optional.of(SECRET_ID), defaultChannel)),
        Map.of("stage", id -> url),
        log::add,
        new SlackWebhook(Duration.ofMillis(10)));
  }

  private static StepRequest request(String env, String json) throws Exception {
    return new StepRequest(
        "fix-stage-OPS-1",
        "fix",
        env,
        "tell",
        "notify",
        JSON.readTree(json),
        "sha256:0",
        "carol",
        "fix-stage-OPS-1/stage/tell");
  }

  @Test
  void postsTheTextWithBlocksNamingTheRunAndTheChannelToTheWebhook() throws Exception {
    try (SlackReceiver slack = new SlackReceiver()) {
      StepResult result =
          notifier(slack.url(), Optional.of("#db-ops"))
              .notify(request("stage", "{\"text\": \"fix of *invoices* applied: 3 rows\"}"));

      assertEquals("posted to Slack #db-ops", result.summary());
      assertEquals(
          JSON.readTree("{\"delivered\": true, \"channel\": \"slack\", \"attempts\": 1}"),
          result.outputs());
      assertEquals(1, slack.received.size());
      SlackReceiver.Received post = slack.received.get(0);
      assertEquals(SlackReceiver.PATH, post.path());
      assertEquals("application/json; charset=utf-8", post.contentType());
      assertEquals(
          JSON.readTree(
              """
              {"text": "fix of *invoices* applied: 3 rows", "channel": "#db-ops",
               "unfurl_links": false,
               "blocks": [
                 {"type": "section",
                  "text": {"type": "mrkdwn", "text": "fix of *invoices* applied: 3 rows"}},
                 {"type": "context",
                  "elements": [{"type": "mrkdwn",
                                "text": "runbook run `fix-stage-OPS-1` · stage"}]}]}
              """),
          JSON.readTree(post.body()));
      assertEquals(
          List.of(
              "notify [stage #db-ops] fix-stage-OPS-1: fix of *invoices* applied: 3 rows (Slack)"),
          log);
    }
  }

  @Test
  void aServerErrorIsRetriedAndTheMessageDeliveredOnce() throws Exception {
    try (SlackReceiver slack = new SlackReceiver(new SlackReceiver.Reply(503, "", null))) {
      StepResult result =
          notifier(slack.url(), Optional.empty()).notify(request("stage", "{\"text\": \"hi\"}"));

      assertEquals(2, result.outputs().path("attempts").asInt());
      assertEquals(2, slack.received.size());
      assertEquals(slack.received.get(0).body(), slack.received.get(1).body());
    }
  }

  @Test
  void rateLimitingWaitsForRetryAfter() throws Exception {
    try (SlackReceiver slack = new SlackReceiver(new SlackReceiver.Reply(429, "", "1"))) {
      long start = System.nanoTime();
      StepResult result =
          notifier(slack.url(), Optional.empty()).notify(request("stage", "{\"text\": \"hi\"}"));

      assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 1000);
      assertEquals(2, result.outputs().path("attempts").asInt());
    }
  }

  @Test
  void aRefusedWebhookIsANonRetryableConfigurationFailureWithoutTheUrl() throws Exception {
    try (SlackReceiver slack =
        new SlackReceiver(new SlackReceiver.Reply(404, "no_service", null))) {
      ApplicationFailure failure =
          assertThrows(
              ApplicationFailure.class,
              () ->
                  notifier(slack.url(), Optional.empty())
                      .notify(request("stage", "{\"text\": \"hi\"}")));

      assertEquals("CONFIGURATION", failure.getType());
      assertTrue(failure.isNonRetryable());
      assertEquals(
          "notify of stage (webhook secret local/slack-webhook): Slack refused the message: 404"
              + " no_service; check the webhook secret",
          failure.getOriginalMessage());
      assertEquals(1, slack.received.size());
    }
  }

  @Test
  void persistentServerErrorsFailTransientlyForTemporalToRetryLater() throws Exception {
    try (SlackReceiver slack =
        new SlackReceiver(
            new SlackReceiver.Reply(500, "", null),
            new SlackReceiver.Reply(502, "", null),
            new SlackReceiver.Reply(500, "", null))) {
      ApplicationFailure failure =
          assertThrows(
              ApplicationFailure.class,
              () ->
                  notifier(slack.url(), Optional.empty())
                      .notify(request("stage", "{\"text\": \"hi\"}")));

      assertEquals("TRANSIENT", failure.getType());
      assertFalse(failure.isNonRetryable());
      assertEquals(
          "notify of stage (webhook secret local/slack-webhook): Slack answered 500 after 3"
              + " attempts",
          failure.getOriginalMessage());
    }
  }

  @Test
  void anUnreachableWebhookNeverShowsItsUrl() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed + SlackReceiver.PATH;

    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () -> notifier(url, Optional.empty()).notify(request("stage", "{\"text\": \"hi\"}")));

    assertEquals("TRANSIENT", failure.getType());
    assertFalse(failure.getOriginalMessage().contains("CANARY"), failure.getOriginalMessage());
    assertFalse(failure.getOriginalMessage().contains(String.valueOf(closed)));
    assertTrue(
        failure.getOriginalMessage().endsWith("after 3 attempts"), failure.getOriginalMessage());
  }

  @Test
  void anEnvironmentWithoutAWebhookWritesToTheLog() throws Exception {
    StepResult result =
        notifier("http://unused", Optional.empty())
            .notify(request("local", "{\"text\": \"rehearsal done\", \"channel\": \"#x\"}"));

    assertEquals("written to the worker log", result.summary());
    assertEquals("log", result.outputs().path("channel").asText());
    assertEquals(List.of("notify [local #x] fix-stage-OPS-1: rehearsal done"), log);
  }

  @Test
  void theWebhookUrlIsAStringSecretOfTheLocalSecretsFile() throws Exception {
    Path secrets = dir.resolve("secrets.yaml");
    Files.writeString(
        secrets,
        "local/platform: { username: runbook, password: pw }\n"
            + SECRET_ID
            + ": https://hooks.slack.com/services/T/B/CANARY\n",
        StandardCharsets.UTF_8);
    LocalSecretStrings strings = new LocalSecretStrings(secrets);

    assertEquals("https://hooks.slack.com/services/T/B/CANARY", strings.get(SECRET_ID));
    var missing = assertThrows(RuntimeException.class, () -> strings.get("local/platform"));
    assertEquals(
        "no string secret local/platform in the local secrets file " + secrets,
        missing.getMessage());
  }

  @Test
  void aMissingSecretIsAConfigurationFailureNamingTheSecretId() throws Exception {
    SlackNotifyActivities notifier =
        new SlackNotifyActivities(
            Map.of("stage", new Notifications("stage", Optional.of(SECRET_ID), Optional.empty())),
            Map.of("stage", new LocalSecretStrings(dir.resolve("absent.yaml"))),
            log::add);

    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () -> notifier.notify(request("stage", "{\"text\": \"hi\"}")));

    assertEquals("CONFIGURATION", failure.getType());
    assertEquals(
        "notify of stage: the local secrets file "
            + dir.resolve("absent.yaml")
            + " does not exist (secret local/slack-webhook)",
        failure.getOriginalMessage());
  }
}
