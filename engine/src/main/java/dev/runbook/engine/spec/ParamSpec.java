package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * A declared runbook parameter.
 *
 * @param type null when the declaration names no known type (the schema reports it)
 * @param defaultValue null when there is no default
 * @param sqlKind {@code select}, {@code dml} or {@code migration} for {@code sql} params
 */
public record ParamSpec(
    String name,
    String pointer,
    ParamType type,
    String description,
    boolean required,
    JsonNode defaultValue,
    List<JsonNode> allowed,
    String pattern,
    BigDecimal minimum,
    BigDecimal maximum,
    Integer minLength,
    Integer maxLength,
    String sqlKind) {

  static ParamSpec from(String name, String pointer, JsonNode node) {
    List<JsonNode> allowed = new ArrayList<>();
    JsonNode enumNode = node.path("enum");
    if (enumNode.isArray()) {
      enumNode.forEach(allowed::add);
    }
    JsonNode defaultValue = node.get("default");
    boolean required = Nodes.bool(node, "required", defaultValue == null);
    return new ParamSpec(
        name,
        pointer,
        ParamType.parse(Nodes.text(node, "type")).orElse(null),
        Nodes.text(node, "description"),
        required,
        defaultValue,
        List.copyOf(allowed),
        Nodes.text(node, "pattern"),
        decimal(node.get("minimum")),
        decimal(node.get("maximum")),
        node.path("minLength").isInt() ? node.get("minLength").asInt() : null,
        node.path("maxLength").isInt() ? node.get("maxLength").asInt() : null,
        Nodes.text(node, "kind"));
  }

  private static BigDecimal decimal(JsonNode node) {
    return node != null && node.isNumber() ? node.decimalValue() : null;
  }
}
