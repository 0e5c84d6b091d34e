package dev.runbook.worker.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code notifications} of one environment file: the secret holding its Slack webhook (none:
 * the worker's log is the channel) and the default channel.
 */
public record Notifications(
    String environment, Optional<String> webhookSecretId, Optional<String> defaultChannel) {

  public static Notifications of(EnvironmentSpec env) {
    JsonNode node = env.source().tree().path("notifications");
    return new Notifications(
        env.name(), text(node, "slackWebhookSecretId"), text(node, "defaultChannel"));
  }

  /**
   * The {@code local} provider's string secrets: the environment's {@code secrets.file} (relative
   * to the environment file), if it names one.
   */
  public static Optional<SecretStrings> localSecrets(EnvironmentSpec env) {
    JsonNode file = env.source().tree().path("secrets").path("file");
    if (!file.isTextual()) {
      return Optional.empty();
    }
    Path base = Path.of(env.file()).toAbsolutePath().getParent();
    return Optional.of(new LocalSecretStrings(base.resolve(file.asText())));
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() && !value.asText().isBlank()
        ? Optional.of(value.asText())
        : Optional.empty();
  }
}
