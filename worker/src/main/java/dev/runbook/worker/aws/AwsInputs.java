package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.workflow.FailureType;

/** Reading an AWS step's resolved {@code with}; a bad value is an INVALID_PLAN failure. */
final class AwsInputs {
  private AwsInputs() {}

  /** The text {@code field}, or null when absent. */
  static String optionalText(JsonNode with, String field) {
    JsonNode value = with == null ? null : with.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected text, got " + value);
    }
    return value.asText().strip();
  }

  static String text(JsonNode with, String field) {
    String value = optionalText(with, field);
    if (value == null) {
      throw FailureType.INVALID_PLAN.failure(field + ": required");
    }
    return value;
  }

  static boolean bool(JsonNode with, String field, boolean fallback) {
    JsonNode value = with == null ? null : with.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected true or false, got " + value);
    }
    return value.asBoolean();
  }

  static int port(JsonNode with, String field, int fallback) {
    JsonNode value = with == null ? null : with.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.canConvertToInt() || value.asInt() < 1 || value.asInt() > 65535) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected a port 1-65535, got " + value);
    }
    return value.asInt();
  }

  /** The step's environment must be the one these clients serve. */
  static void checkEnvironment(StepRequest request, AwsEnvironment environment) {
    if (!environment.name().equals(request.environment())) {
      throw FailureType.CONFIGURATION.failure(
          request.uses()
              + " for "
              + request.environment()
              + " reached the AWS steps of "
              + environment.name()
              + ": each environment's task queue needs its own AWS steps");
    }
  }

  /** Who acts, for descriptions and lease tags. */
  static String user(StepRequest request) {
    return request.launcher() == null || request.launcher().isBlank()
        ? "unknown"
        : request.launcher();
  }
}
