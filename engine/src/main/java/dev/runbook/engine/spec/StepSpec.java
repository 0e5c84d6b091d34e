package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * One step as written.
 *
 * @param pointer where the step stands, e.g. {@code /steps/2}
 * @param generatedId true for {@code finally} steps without an id ({@code finally_1}, ...)
 * @param with the inputs, an empty object when absent
 */
public record StepSpec(
    String id,
    String pointer,
    boolean generatedId,
    boolean inFinally,
    String name,
    String uses,
    JsonNode with,
    JsonNode when,
    String timeout,
    JsonNode retry,
    JsonNode approval,
    JsonNode compensate) {

  static StepSpec from(JsonNode node, String pointer, boolean inFinally, int index) {
    String id = Nodes.text(node, "id");
    boolean generated = false;
    if (id == null && inFinally) {
      id = "finally_" + (index + 1);
      generated = true;
    }
    JsonNode with = node.path("with");
    return new StepSpec(
        id,
        pointer,
        generated,
        inFinally,
        Nodes.text(node, "name"),
        Nodes.text(node, "uses"),
        with.isObject() ? with : JsonNodeFactory.instance.objectNode(),
        node.get("when"),
        Nodes.text(node, "timeout"),
        node.get("retry"),
        node.get("approval"),
        node.get("compensate"));
  }

  public String at(String relative) {
    return pointer + relative;
  }
}
