package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** A durable timer. */
public record WaitStep(String id, String name, JsonNode when, Duration duration) implements Step {
  public WaitStep {
    when = when.deepCopy();
  }
}
