package dev.runbook.worker.notify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.CredentialSource.CredentialException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code notify} for every environment of the worker: to the environment's Slack incoming webhook
 * (its URL read from the environment's secrets at each post), or, for an environment without one,
 * to the worker's output and log. Every message is also logged, without the webhook URL.
 */
public final class SlackNotifyActivities implements NotifyActivities {
  private static final Logger LOG = LoggerFactory.getLogger(SlackNotifyActivities.class);

  private final Map<String, Notifications> environments;
  private final Map<String, SecretStrings> secrets;
  private final Consumer<String> log;
  private final SlackWebhook slack;

  /**
   * @param environments environment name -> its notification settings
   * @param secrets environment name -> where its string secrets are read
   * @param log the worker's output, for the log channel and delivery lines
   */
  public SlackNotifyActivities(
      Map<String, Notifications> environments,
      Map<String, SecretStrings> secrets,
      Consumer<String> log) {
    this(environments, secrets, log, new SlackWebhook());
  }

  /**
   * For the environment files of a worker: each environment's {@code notifications}, and for the
   * {@code local} provider its {@code secrets.file}; {@code aws} maps environment name -> its
   * Secrets Manager strings (empty until the AWS provider supplies them).
   */
  public static SlackNotifyActivities forEnvironments(
      List<EnvironmentSpec> specs, Map<String, SecretStrings> aws, Consumer<String> log) {
    Map<String, Notifications> settings = new LinkedHashMap<>();
    Map<String, SecretStrings> secrets = new LinkedHashMap<>(aws);
    for (EnvironmentSpec env : specs) {
      settings.put(env.name(), Notifications.of(env));
      Notifications.localSecrets(env).ifPresent(local -> secrets.putIfAbsent(env.name(), local));
    }
    return new SlackNotifyActivities(settings, secrets, log);
  }

  SlackNotifyActivities(
      Map<String, Notifications> environments,
      Map<String, SecretStrings> secrets,
      Consumer<String> log,
      SlackWebhook slack) {
    this.environments = Map.copyOf(environments);
    this.secrets = Map.copyOf(secrets);
    this.log = log;
    this.slack = slack;
  }

  @Override
  public StepResult notify(StepRequest request) {
    Notifications settings =
        environments.getOrDefault(
            request.environment(),
            new Notifications(request.environment(), Optional.empty(), Optional.empty()));
    String text = request.with().path("text").asText("");
    Optional<String> channel =
        Optional.of(request.with().path("channel").asText(""))
            .filter(c -> !c.isEmpty())
            .or(settings::defaultChannel);
    String line =
        "notify ["
            + request.environment()
            + channel.map(c -> " " + c).orElse("")
            + "] "
            + request.runId()
            + ": "
            + text;
    ObjectNode outputs = JsonNodeFactory.instance.objectNode().put("delivered", true);
    if (settings.webhookSecretId().isEmpty()) {
      write(line);
      outputs.put("channel", "log");
      return new StepResult(outputs, "written to the worker log");
    }
    String secretId = settings.webhookSecretId().get();
    String url = webhookUrl(request.environment(), secretId);
    try {
      int attempts =
          slack.post(
              url, SlackWebhook.payload(text, channel, request.runId(), request.environment()));
      write(line + " (Slack" + (attempts > 1 ? ", " + attempts + " attempts" : "") + ")");
      outputs.put("channel", "slack").put("attempts", attempts);
      return new StepResult(outputs, "posted to Slack" + channel.map(c -> " " + c).orElse(""));
    } catch (SlackWebhook.DeliveryException e) {
      String message =
          "notify of "
              + request.environment()
              + " (webhook secret "
              + secretId
              + "): "
              + e.getMessage();
      LOG.warn(message);
      throw e.retryable()
          ? FailureType.TRANSIENT.failure(message)
          : FailureType.CONFIGURATION.failure(message);
    }
  }

  private String webhookUrl(String environment, String secretId) {
    SecretStrings source = secrets.get(environment);
    if (source == null) {
      throw FailureType.CONFIGURATION.failure(
          "notify of "
              + environment
              + ": no secrets provider on this worker can read the webhook secret "
              + secretId);
    }
    try {
      return source.get(secretId);
    } catch (CredentialException e) {
      throw FailureType.CONFIGURATION.failure("notify of " + environment + ": " + e.getMessage());
    }
  }

  private void write(String line) {
    LOG.info(line);
    synchronized (log) {
      log.accept(line);
    }
  }
}
