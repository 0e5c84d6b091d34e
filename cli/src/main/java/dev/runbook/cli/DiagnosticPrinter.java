package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.diag.Diagnostic;
import java.io.PrintWriter;
import java.util.List;

/** Prints diagnostics one per line ({@code file:line:col: category: path: message}) or as JSON. */
final class DiagnosticPrinter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DiagnosticPrinter() {}

  static void text(PrintWriter out, List<Diagnostic> diagnostics) {
    diagnostics.forEach(d -> out.println(d.format()));
  }

  static ArrayNode json(List<Diagnostic> diagnostics) {
    ArrayNode array = JSON.createArrayNode();
    for (Diagnostic d : diagnostics) {
      ObjectNode item = array.addObject();
      item.put("file", d.file());
      item.put("line", d.line());
      item.put("column", d.column());
      item.put("category", d.category().label());
      item.put("path", d.path());
      item.put("message", d.message());
    }
    return array;
  }

  static String pretty(Object tree) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
