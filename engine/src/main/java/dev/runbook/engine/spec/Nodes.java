package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Lenient reads of a JSON tree that may not have passed its schema: wrong shapes read as absent.
 */
public final class Nodes {
  private Nodes() {}

  public static JsonNode at(JsonNode node, String pointer) {
    return node == null ? MissingNode.getInstance() : node.at(pointer);
  }

  public static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  public static boolean bool(JsonNode node, String field, boolean fallback) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isBoolean() ? value.asBoolean() : fallback;
  }

  public static int integer(JsonNode node, String field, int fallback) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.canConvertToInt() && value.isIntegralNumber()
        ? value.asInt()
        : fallback;
  }

  public static List<String> texts(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    List<String> out = new ArrayList<>();
    if (value != null && value.isArray()) {
      value.forEach(item -> out.add(item.isTextual() ? item.asText() : item.toString()));
    }
    return out;
  }

  public static boolean isObject(JsonNode node) {
    return node != null && node.isObject();
  }
}
