package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.spec.JsonPointers;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Every string of the executable parts of a runbook (steps, finally, gates) parsed once as a {@link
 * Template}, by JSON pointer. Syntax errors are reported as they are found.
 */
final class TemplateIndex {
  private final Map<String, Template> templates = new LinkedHashMap<>();

  /** The same, sorted by pointer, so the templates under a pointer are one range lookup. */
  private final NavigableMap<String, Template> sorted = new TreeMap<>();

  static TemplateIndex of(JsonNode root, Reporter reporter) {
    TemplateIndex index = new TemplateIndex();
    for (String section : new String[] {"/steps", "/finally", "/gates"}) {
      index.scan(root.at(section), section, reporter);
    }
    return index;
  }

  private void scan(JsonNode node, String pointer, Reporter reporter) {
    if (node.isTextual()) {
      String text = node.asText();
      if (!Template.containsExpression(text)) {
        return;
      }
      try {
        Template template = Template.parse(text);
        templates.put(pointer, template);
        sorted.put(pointer, template);
      } catch (ExpressionException e) {
        reporter.inside(Category.EXPRESSION, pointer, e.offset(), e.getMessage());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        scan(node.get(i), JsonPointers.child(pointer, i), reporter);
      }
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        scan(e.getValue(), JsonPointers.child(pointer, e.getKey()), reporter);
      }
    }
  }

  /** Templates with at least one expression, by pointer, in document order. */
  Map<String, Template> all() {
    return templates;
  }

  /** The template at exactly this pointer, or null (plain text or not a string). */
  Template at(String pointer) {
    return templates.get(pointer);
  }

  /** Templates at or below the pointer. */
  Map<String, Template> under(String pointer) {
    Map<String, Template> out = new LinkedHashMap<>();
    Template self = sorted.get(pointer);
    if (self != null) {
      out.put(pointer, self);
    }
    // Every key starting with pointer + "/" sorts between that prefix and prefix + U+FFFF.
    out.putAll(sorted.subMap(pointer + "/", true, pointer + "/\uffff", true));
    return out;
  }
}
