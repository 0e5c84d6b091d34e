package dev.runbook.worker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code notify} written to the worker's output (and log) instead of Slack. The Slack webhook
 * implementation replaces it when it arrives; runbooks do not change.
 */
public final class LogNotifyActivities implements NotifyActivities {
  private static final Logger LOG = LoggerFactory.getLogger(LogNotifyActivities.class);
  private final Consumer<String> sink;

  /** Writes each notification as one line to {@code sink}. */
  public LogNotifyActivities(Consumer<String> sink) {
    this.sink = sink;
  }

  @Override
  public StepResult notify(StepRequest request) {
    String channel = request.with().path("channel").asText("");
    String text = request.with().path("text").asText("");
    String line =
        "notify ["
            + request.environment()
            + (channel.isEmpty() ? "" : " " + channel)
            + "] "
            + request.runId()
            + ": "
            + text;
    LOG.info(line);
    synchronized (sink) {
      sink.accept(line);
    }
    return new StepResult(
        JsonNodeFactory.instance.objectNode().put("delivered", true), "written to the worker log");
  }
}
