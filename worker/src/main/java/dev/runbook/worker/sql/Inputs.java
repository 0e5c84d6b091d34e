package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.workflow.FailureType;
import java.time.Duration;

/** Reading a step's resolved {@code with}; a bad value is an INVALID_PLAN failure. */
final class Inputs {
  private Inputs() {}

  /**
   * A row-count expectation: an exact count or an inclusive range.
   *
   * @param min fewest rows accepted
   * @param max most rows accepted ({@link Long#MAX_VALUE} for no limit)
   */
  record Expect(long min, long max) {
    boolean holds(long rows) {
      return rows >= min && rows <= max;
    }

    String describe() {
      if (min == max) {
        return "exactly " + min;
      }
      if (max == Long.MAX_VALUE) {
        return "at least " + min;
      }
      return min == 0 ? "at most " + max : "between " + min + " and " + max;
    }

    /** An integer or {@code {min, max}}; null when absent. */
    static Expect of(JsonNode node, String name) {
      if (node == null || node.isMissingNode() || node.isNull()) {
        return null;
      }
      if (node.isIntegralNumber()) {
        return new Expect(node.longValue(), node.longValue());
      }
      if (node.isObject()) {
        long min = node.has("min") ? integer(node.get("min"), name + ".min") : 0;
        long max = node.has("max") ? integer(node.get("max"), name + ".max") : Long.MAX_VALUE;
        return new Expect(min, max);
      }
      throw FailureType.INVALID_PLAN.failure(
          name + ": expected an integer or {min, max}, got " + node);
    }

    private static long integer(JsonNode node, String name) {
      if (!node.isIntegralNumber()) {
        throw FailureType.INVALID_PLAN.failure(name + ": expected an integer, got " + node);
      }
      return node.longValue();
    }
  }

  static String text(JsonNode with, String field) {
    JsonNode value = with.path(field);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected text, got " + value);
    }
    return value.asText();
  }

  static Duration duration(JsonNode with, String field, Duration fallback) {
    JsonNode value = with.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    return Durations.parse(value.asText())
        .filter(d -> !d.isZero())
        .orElseThrow(
            () ->
                FailureType.INVALID_PLAN.failure(
                    field + ": expected a duration such as 30s or 5m, got " + value));
  }

  static boolean bool(JsonNode with, String field, boolean fallback) {
    JsonNode value = with.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected true or false, got " + value);
    }
    return value.booleanValue();
  }

  /** The bind map (empty when absent). */
  static JsonNode bind(JsonNode node, String name) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!node.isObject()) {
      throw FailureType.INVALID_PLAN.failure(
          name + ": expected a map of bind values, got " + node.getNodeType());
    }
    return node;
  }
}
