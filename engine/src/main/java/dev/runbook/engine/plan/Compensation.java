package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * An undo, registered before its step acts and run newest-first on failure, rejection or cancel.
 *
 * @param automatic true when the step type registers it by itself (e.g. revoke after allow-ingress)
 *     rather than the runbook's {@code compensate:}
 */
public record Compensation(
    String uses, JsonNode with, Duration timeout, RetryPolicy retry, boolean automatic) {
  public Compensation {
    with = with.deepCopy();
  }
}
