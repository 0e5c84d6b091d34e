package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Temporary access held by the workflow for the run's launcher: it ends when released, when {@code
 * ttl} (plus extensions, at most {@code maxTtl} in all) has passed, or when no heartbeat came for
 * {@code heartbeatTimeout}.
 */
public record LeaseStep(
    String id, String name, JsonNode when, Duration ttl, Duration maxTtl, Duration heartbeatTimeout)
    implements Step {
  /** Heartbeat timeout when the runbook names none. */
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofMinutes(2);

  public LeaseStep {
    when = when.deepCopy();
  }
}
