package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A check evaluated by the workflow; the run fails with {@code message} when it is false.
 *
 * @param that the expression, as {@code ${{ }}} text or a constant boolean
 */
public record AssertStep(String id, String name, JsonNode when, JsonNode that, String message)
    implements Step {
  public AssertStep {
    when = when.deepCopy();
    that = that.deepCopy();
  }
}
