package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A change step shown at its gate ({@code uses}, {@code with}, {@code preview}) as a reviewer reads
 * it: the statements, their binds, and the previewed rows as before -> after of the columns that
 * change, instead of one line of JSON.
 */
final class PreviewText {
  private PreviewText() {}

  /** True for what a gate shows of a step that was previewed. */
  static boolean applies(JsonNode shown) {
    return shown != null
        && shown.path("uses").isTextual()
        && shown.path("with").isObject()
        && shown.path("preview").isObject();
  }

  static List<String> lines(String step, JsonNode shown, String indent) {
    List<String> lines = new ArrayList<>();
    JsonNode with = shown.path("with");
    String database = with.path("database").asText("");
    lines.add(
        indent
            + "shows:     "
            + step
            + " ("
            + shown.path("uses").asText()
            + (database.isEmpty() ? "" : " on " + database)
            + ")");
    for (JsonNode statement : with.path("statements")) {
      lines.add(indent + "statement: " + statement.asText());
    }
    if (with.path("bind").isObject() && !with.path("bind").isEmpty()) {
      lines.add(indent + "bind:      " + with.path("bind"));
    }
    if (with.has("expectRows")) {
      lines.add(indent + "expects:   " + with.path("expectRows").asText() + " row(s)");
    }
    JsonNode preview = shown.path("preview");
    long rows = preview.path("previewRows").asLong();
    String verified =
        preview.has("verified")
            ? preview.path("verified").asBoolean() ? "; verify passes" : "; verify FAILS"
            : "";
    lines.add(
        indent
            + "preview:   "
            + rows
            + " row(s) would change (rolled back; nothing was applied)"
            + verified
            + (preview.path("backup").asBoolean() ? "; before-images are backed up on apply" : ""));
    for (JsonNode entry : preview.path("diff")) {
      lines.add(indent + "           " + row(entry));
    }
    if (preview.path("diffTruncated").asBoolean()) {
      lines.add(indent + "           (more rows not shown)");
    }
    for (JsonNode note : preview.path("notes")) {
      lines.add(indent + "note:      " + note.asText());
    }
    return lines;
  }

  /** {@code invoices id=1: status open -> void}, or the whole row for an insert or delete. */
  static String row(JsonNode entry) {
    StringBuilder line = new StringBuilder(entry.path("table").asText("?"));
    JsonNode key = entry.path("key");
    if (key.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = key.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> k = it.next();
        line.append(' ').append(k.getKey()).append('=').append(cell(k.getValue()));
      }
    }
    JsonNode before = entry.path("before");
    JsonNode after = entry.path("after");
    if (!before.isObject()) {
      return line.append(": new row ").append(after).toString();
    }
    if (!after.isObject()) {
      return line.append(": deleted ").append(before).toString();
    }
    List<String> changes = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = after.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> column = it.next();
      JsonNode old = before.get(column.getKey());
      if (!Objects.equals(old, column.getValue())) {
        changes.add(column.getKey() + " " + cell(old) + " -> " + cell(column.getValue()));
      }
    }
    return line.append(": ")
        .append(changes.isEmpty() ? "unchanged" : String.join(", ", changes))
        .toString();
  }

  private static String cell(JsonNode value) {
    if (value == null || value.isNull()) {
      return "NULL";
    }
    return value.isTextual() ? value.asText() : value.toString();
  }
}
