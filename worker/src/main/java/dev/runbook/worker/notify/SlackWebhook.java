package dev.runbook.worker.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * Posts one message to a Slack incoming webhook. Retries 5xx, 429 (after its Retry-After, at most
 * {@link #MAX_WAIT}) and connection failures a few times with backoff; the webhook URL is a secret,
 * so no failure message ever contains it (nor the exception texts of the HTTP client, which may).
 */
public final class SlackWebhook {
  static final int ATTEMPTS = 3;
  static final Duration MAX_WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What happened to a message that Slack did not take. */
  public static final class DeliveryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    DeliveryException(String message, boolean retryable) {
      super(message);
      this.retryable = retryable;
    }

    /** False when trying again cannot help (the webhook is gone or the URL is not a webhook). */
    public boolean retryable() {
      return retryable;
    }
  }

  private final HttpClient http;
  private final Duration backoff;

  public SlackWebhook() {
    this(Duration.ofMillis(500));
  }

  SlackWebhook(Duration backoff) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.backoff = backoff;
  }

  /**
   * The JSON Slack receives: {@code text} (the notification fallback), a section block with the
   * text and a context block naming the run and environment; {@code channel} when given (legacy
   * webhooks honour it, app webhooks post to their own channel).
   */
  public static String payload(String text, Optional<String> channel, String runId, String env) {
    ObjectNode root = JSON.createObjectNode();
    root.put("text", text);
    channel.ifPresent(c -> root.put("channel", c));
    root.put("unfurl_links", false);
    ArrayNode blocks = root.putArray("blocks");
    ObjectNode section = blocks.addObject().put("type", "section");
    section.putObject("text").put("type", "mrkdwn").put("text", text);
    ObjectNode context = blocks.addObject().put("type", "context");
    context
        .putArray("elements")
        .addObject()
        .put("type", "mrkdwn")
        .put("text", "runbook run `" + runId + "` · " + env);
    return root.toString();
  }

  /**
   * Posts {@code json}; returns the number of attempts it took.
   *
   * @throws DeliveryException when Slack did not take it
   */
  public int post(String url, String json) {
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new DeliveryException("the webhook secret is not a URL", false);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
      throw new DeliveryException("the webhook secret is not an http(s) URL", false);
    }
    String last = "";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Duration wait = backoff.multipliedBy(1L << (attempt - 1));
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return attempt;
        }
        String code = brief(response.body());
        String reason = code.isEmpty() ? String.valueOf(status) : status + " " + code;
        if (status == 429) {
          wait = retryAfter(response).orElse(wait);
          last = "Slack is rate limiting (" + reason + ")";
        } else if (status / 100 == 5) {
          last = "Slack answered " + reason;
        } else {
          throw new DeliveryException(
              "Slack refused the message: " + reason + "; check the webhook secret", false);
        }
      } catch (HttpTimeoutException e) {
        last = "no answer from Slack in time";
      } catch (IOException e) {
        last = "cannot reach Slack (" + e.getClass().getSimpleName() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DeliveryException("interrupted while posting to Slack", true);
      }
      if (attempt < ATTEMPTS) {
        sleep(wait);
      }
    }
    throw new DeliveryException(last + " after " + ATTEMPTS + " attempts", true);
  }

  /** Slack's error bodies are short codes ({@code no_service}, {@code invalid_payload}). */
  private static String brief(String body) {
    String text = body == null ? "" : body.strip();
    return text.matches("[a-z_]{1,60}") ? text : "";
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .filter(v -> v.matches("\\d{1,4}"))
        .map(v -> Duration.ofSeconds(Long.parseLong(v)))
        .map(d -> d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d);
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryException("interrupted while posting to Slack", true);
    }
  }
}
