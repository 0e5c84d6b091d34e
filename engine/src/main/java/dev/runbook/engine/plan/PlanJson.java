package dev.runbook.engine.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.runbook.engine.internal.Sha256;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * JSON forms of a plan. The canonical form (keys sorted, no whitespace, numbers normalised,
 * durations as ISO-8601) is what the plan hash is taken over: same plan, same bytes.
 */
public final class PlanJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private PlanJson() {}

  /** The mapper for plans (records, sealed steps, durations as text). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Pretty JSON for people and tools, with the hash. */
  public static String pretty(Plan plan) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(sorted(tree(plan)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a plan always serialises", e);
    }
  }

  public static Plan parse(String json) {
    try {
      return MAPPER.readValue(json, Plan.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a plan: " + e.getOriginalMessage(), e);
    }
  }

  /** The canonical bytes the hash covers: every field but {@code hash}. */
  public static String canonical(Plan plan) {
    ObjectNode tree = tree(plan);
    tree.remove("hash");
    try {
      return MAPPER.writeValueAsString(sorted(tree));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a plan always serialises", e);
    }
  }

  /** The plan's hash: lowercase hex sha256 of {@link #canonical}. */
  public static String hash(Plan plan) {
    return Sha256.hex(canonical(plan));
  }

  /** Returns the same plan carrying its hash. */
  public static Plan withHash(Plan plan) {
    return new Plan(
        plan.format(),
        plan.runbook(),
        plan.target(),
        plan.params(),
        plan.stages(),
        plan.finallySteps(),
        hash(plan));
  }

  private static ObjectNode tree(Plan plan) {
    return MAPPER.valueToTree(plan);
  }

  /** A copy with object keys sorted and decimals normalised (1.50 and 1.5 are one value). */
  static JsonNode sorted(JsonNode node) {
    JsonNodeFactory factory = JsonNodeFactory.instance;
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      ObjectNode out = factory.objectNode();
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      var out = factory.arrayNode();
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        out.add(sorted(it.next()));
      }
      return out;
    }
    if (node.isBigDecimal() || node.isDouble() || node.isFloat()) {
      BigDecimal value = node.decimalValue().stripTrailingZeros();
      if (value.scale() <= 0) {
        return factory.numberNode(value.toBigIntegerExact());
      }
      return factory.numberNode(value);
    }
    return node;
  }
}
