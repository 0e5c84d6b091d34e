package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * A step carried out by an activity of its integration.
 *
 * @param with the inputs, resolved where they depend only on params and the environment; text
 *     holding {@code ${{ }}} over {@code steps} or {@code run} is resolved when the step runs
 * @param approval a gate inside the step (e.g. between the preview and the apply of {@code
 *     sql.change}), or null
 * @param compensate the undo registered before the step acts, or null
 */
public record ActivityStep(
    String id,
    String name,
    String uses,
    JsonNode when,
    Duration timeout,
    RetryPolicy retry,
    JsonNode with,
    ApprovalPolicy approval,
    Compensation compensate)
    implements Step {
  public ActivityStep {
    with = with.deepCopy();
    when = when.deepCopy();
  }
}
