package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.expr.Expression;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.spec.JsonPointers;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Resolves, inside a tree of step inputs, every {@code ${{ }}} that reads only {@code params} and
 * {@code env}; text reading {@code steps} or {@code run} stays for the interpreter. Strings in the
 * plan are templates: text that came from a value is escaped ({@code $${{}) so a param can never
 * smuggle an expression into a later evaluation.
 */
final class ValueResolver {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Map<String, Object> scope;
  private final TemplateIndex templates;
  private final Reporter reporter;

  ValueResolver(Map<String, Object> scope, TemplateIndex templates, Reporter reporter) {
    this.scope = scope;
    this.templates = templates;
    this.reporter = reporter;
  }

  JsonNode resolve(JsonNode node, String pointer) {
    if (node == null || node.isMissingNode()) {
      return NODES.nullNode();
    }
    if (node.isTextual()) {
      return resolveText(node, pointer);
    }
    if (node.isArray()) {
      ArrayNode out = NODES.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        out.add(resolve(node.get(i), JsonPointers.child(pointer, i)));
      }
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = NODES.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), resolve(e.getValue(), JsonPointers.child(pointer, e.getKey())));
      }
      return out;
    }
    return node.deepCopy();
  }

  /** True when every expression of the template reads only compile-time names. */
  static boolean compileTime(Template template) {
    for (Expression expression : template.expressions()) {
      for (List<String> path : expression.references()) {
        if (!Scopes.COMPILE_TIME.contains(path.get(0))) {
          return false;
        }
      }
    }
    return true;
  }

  private JsonNode resolveText(JsonNode node, String pointer) {
    Template template = templates.at(pointer);
    if (template == null) {
      return node.deepCopy();
    }
    try {
      if (compileTime(template)) {
        return escape(JsonValues.toJson(template.render(scope)));
      }
      if (template instanceof Template.Interpolated interpolated) {
        return NODES.textNode(partially(interpolated));
      }
      return node.deepCopy();
    } catch (ExpressionException e) {
      reporter.inside(Category.EXPRESSION, pointer, e.offset(), e.getMessage());
      return NODES.nullNode();
    }
  }

  /**
   * Text mixing compile-time and run-time expressions: the compile-time ones are filled in (so the
   * plan a reviewer reads shows them), the others stay as {@code ${{ }}} for the interpreter.
   */
  private String partially(Template.Interpolated template) throws ExpressionException {
    StringBuilder out = new StringBuilder();
    for (Object part : template.parts()) {
      if (part instanceof Expression expression) {
        if (compileTime(new Template.Single(expression))) {
          Object text = new Template.Interpolated(List.of(expression)).render(scope);
          out.append(String.valueOf(text).replace("${{", "$${{"));
        } else {
          out.append("${{ ").append(expression.source()).append(" }}");
        }
      } else {
        out.append(String.valueOf(part).replace("${{", "$${{"));
      }
    }
    return out.toString();
  }

  /** Makes resolved values inert: any "${{" inside them becomes the literal-text escape. */
  static JsonNode escape(JsonNode value) {
    if (value.isTextual()) {
      return NODES.textNode(value.asText().replace("${{", "$${{"));
    }
    if (value.isArray()) {
      ArrayNode out = NODES.arrayNode();
      value.forEach(item -> out.add(escape(item)));
      return out;
    }
    if (value.isObject()) {
      ObjectNode out = NODES.objectNode();
      value.fields().forEachRemaining(e -> out.set(e.getKey(), escape(e.getValue())));
      return out;
    }
    return value;
  }
}
