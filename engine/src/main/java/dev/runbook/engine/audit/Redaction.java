package dev.runbook.engine.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What audit records and reports never show. Secret values never reach a plan or a step (they are
 * fetched inside activities); what remains sensitive is data supplied at launch:
 *
 * <ul>
 *   <li>bind values (every {@code bind} map, and every {@code map} param, whose values are bind
 *       values): they are often the personal data a fix is about. The SQL text with its {@code
 *       :name} placeholders stays visible; the plan hash still proves which values ran;
 *   <li>any value under a key that names a credential ({@code password}, {@code token}, {@code
 *       secret}, {@code apiKey}, {@code privateKey} ...), except references such as {@code
 *       secretId}.
 * </ul>
 *
 * Values are replaced by {@link #MARK}; keys are kept so a reader sees what was bound.
 */
public final class Redaction {
  public static final String MARK = "[redacted]";

  private static final Pattern CREDENTIAL =
      Pattern.compile(
          "(?i).*(password|passwd|passphrase|secret|token|credential|api[_-]?key|private[_-]?key).*");
  private static final Pattern REFERENCE = Pattern.compile("(?i).*(id|arn|handle)$");

  private Redaction() {}

  /** A redacted copy of a plan's JSON tree ({@code params}, every step's {@code with}). */
  public static JsonNode plan(JsonNode plan) {
    JsonNode copy = tree(plan);
    if (copy instanceof ObjectNode root && root.get("params") instanceof ObjectNode params) {
      for (Map.Entry<String, JsonNode> e : fields(params)) {
        if (e.getValue().isObject()) {
          params.set(e.getKey(), values(e.getValue()));
        }
      }
    }
    return copy;
  }

  /** A redacted copy of any tree: bind maps and credential-named keys, at any depth. */
  public static JsonNode tree(JsonNode node) {
    if (node == null) {
      return null;
    }
    JsonNode copy = node.deepCopy();
    walk(copy);
    return copy;
  }

  /** Whether a key's value is a credential. */
  public static boolean credentialKey(String key) {
    return CREDENTIAL.matcher(key).matches() && !REFERENCE.matcher(key).matches();
  }

  private static void walk(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> e : fields(object)) {
        String key = e.getKey();
        if (key.equals("bind") && e.getValue().isObject()) {
          object.set(key, values(e.getValue()));
        } else if (credentialKey(key) && !e.getValue().isContainerNode()) {
          if (!e.getValue().isNull()) {
            object.set(key, TextNode.valueOf(MARK));
          }
        } else {
          walk(e.getValue());
        }
      }
    } else if (node != null && node.isArray()) {
      node.forEach(Redaction::walk);
    }
  }

  /** The same keys, every value replaced (a template left for run time is kept: it is code). */
  private static JsonNode values(JsonNode map) {
    ObjectNode out = ((ObjectNode) map).objectNode();
    for (Map.Entry<String, JsonNode> e : fields(map)) {
      JsonNode v = e.getValue();
      boolean template = v.isTextual() && v.asText().contains("${{");
      out.set(e.getKey(), template ? v : TextNode.valueOf(MARK));
    }
    return out;
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> all = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      all.add(it.next());
    }
    return all;
  }
}
