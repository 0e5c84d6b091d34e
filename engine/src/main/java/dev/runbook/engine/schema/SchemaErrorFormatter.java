package dev.runbook.engine.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.diag.Suggestions;
import dev.runbook.engine.spec.JsonPointers;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.Position;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns validator errors into one readable diagnostic each. Alternatives ({@code anyOf}) are
 * reported once: the errors of the branch whose type fits, else "expected X or Y".
 */
final class SchemaErrorFormatter {
  private static final Map<String, String> PATTERN_HINTS =
      Map.of(
          "duration", "a duration such as 90s, 15m, 4h or 1h30m",
          "expression", "a ${{ }} expression",
          "timestamp", "an RFC 3339 timestamp such as 2026-11-21T08:00:00Z",
          "stepId", "an id of letters, digits and _ starting with a lowercase letter",
          "identifier", "an SQL identifier such as invoices or billing.invoices",
          "databaseName", "the name of a database of the environment file, such as platform",
          "environmentName", "an environment name such as stage or prod");

  private final LoadedDocument document;
  private final JsonNode schema;

  SchemaErrorFormatter(LoadedDocument document, JsonNode schema) {
    this.document = document;
    this.schema = schema;
  }

  List<Diagnostic> format(List<Error> errors) {
    List<Diagnostic> out = new ArrayList<>();
    Map<String, List<Error>> alternatives = new LinkedHashMap<>();
    // A failed oneOf says "give exactly one of ..."; its branches' errors would only repeat it.
    Set<String> failedOneOf = new LinkedHashSet<>();
    for (Error error : errors) {
      if (error.getKeyword().equals("oneOf")) {
        failedOneOf.add(pointer(error) + "|" + error.getEvaluationPath());
      }
    }
    for (Error error : errors) {
      String group = alternativeGroup(error);
      if (group != null) {
        alternatives.computeIfAbsent(group, g -> new ArrayList<>()).add(error);
      } else {
        out.add(one(error));
      }
    }
    for (Map.Entry<String, List<Error>> group : alternatives.entrySet()) {
      if (!failedOneOf.contains(group.getKey())) {
        out.addAll(alternatives(group.getValue()));
      }
    }
    return out;
  }

  /** "instance|evaluation path up to the last anyOf", or null outside alternatives. */
  private static String alternativeGroup(Error error) {
    String eval = error.getEvaluationPath().toString();
    int at = Math.max(eval.lastIndexOf("/anyOf/"), eval.lastIndexOf("/oneOf/"));
    if (at < 0) {
      return null;
    }
    return pointer(error) + "|" + eval.substring(0, at + 6);
  }

  private List<Diagnostic> alternatives(List<Error> group) {
    Map<String, List<Error>> byBranch = new LinkedHashMap<>();
    for (Error error : group) {
      String eval = error.getEvaluationPath().toString();
      int at = Math.max(eval.lastIndexOf("/anyOf/"), eval.lastIndexOf("/oneOf/"));
      String rest = eval.substring(at + 7);
      String branch = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
      byBranch.computeIfAbsent(branch, b -> new ArrayList<>()).add(error);
    }
    // A branch whose shape fits but whose constraints fail says the most.
    for (List<Error> branch : byBranch.values()) {
      boolean shapeFits =
          branch.stream().noneMatch(e -> e.getKeyword().equals("type") || isExpressionPattern(e));
      if (shapeFits) {
        List<Diagnostic> out = new ArrayList<>();
        branch.forEach(e -> out.add(one(e)));
        return out;
      }
    }
    Set<String> expected = new LinkedHashSet<>();
    for (Error error : group) {
      if (error.getKeyword().equals("type")) {
        expected.add(
            article(error.getSchemaNode().isTextual() ? error.getSchemaNode().asText() : "value"));
      } else if (isExpressionPattern(error)) {
        expected.add(PATTERN_HINTS.get("expression"));
      } else if (error.getKeyword().equals("pattern")) {
        expected.add(patternHint(error));
      } else if (error.getKeyword().equals("const") || error.getKeyword().equals("enum")) {
        expected.add(error.getSchemaNode().toString());
      }
    }
    Error first = group.get(0);
    return List.of(
        diagnostic(
            first,
            pointer(first),
            false,
            "expected "
                + String.join(" or ", expected)
                + ", got "
                + show(first.getInstanceNode())));
  }

  private Diagnostic one(Error error) {
    String pointer = pointer(error);
    JsonNode value = error.getInstanceNode();
    return switch (error.getKeyword()) {
      case "additionalProperties" -> {
        String key = error.getProperty();
        Set<String> known = knownProperties(error);
        yield diagnostic(
            error,
            JsonPointers.child(pointer, key),
            true,
            "unknown key '" + key + "'" + Suggestions.didYouMean(key, known));
      }
      case "required" ->
          diagnostic(error, pointer, true, "missing required key '" + error.getProperty() + "'");
      case "const" ->
          diagnostic(
              error,
              pointer,
              false,
              "must be " + show(error.getSchemaNode()) + ", got " + show(value));
      case "enum" -> diagnostic(error, pointer, false, enumMessage(pointer, error, value));
      case "type" ->
          diagnostic(
              error,
              pointer,
              false,
              "expected "
                  + article(
                      error.getSchemaNode().isTextual()
                          ? error.getSchemaNode().asText()
                          : String.valueOf(error.getSchemaNode()))
                  + ", got "
                  + show(value));
      case "pattern" ->
          diagnostic(
              error, pointer, false, "expected " + patternHint(error) + ", got " + show(value));
      case "oneOf" -> diagnostic(error, pointer, true, oneOfMessage(error));
      case "minItems" ->
          diagnostic(
              error,
              pointer,
              false,
              "needs at least " + error.getSchemaNode().asText() + " item(s)");
      case "uniqueItems" -> diagnostic(error, pointer, false, "items must be unique");
      case "minimum" ->
          diagnostic(
              error,
              pointer,
              false,
              "must be at least " + error.getSchemaNode().asText() + ", got " + show(value));
      case "maximum" ->
          diagnostic(
              error,
              pointer,
              false,
              "must be at most " + error.getSchemaNode().asText() + ", got " + show(value));
      case "minLength" ->
          diagnostic(
              error,
              pointer,
              false,
              error.getSchemaNode().asInt() == 1
                  ? "must not be empty"
                  : "must be at least " + error.getSchemaNode().asText() + " characters");
      case "propertyNames" -> {
        String name = error.getProperty();
        yield diagnostic(
            error,
            JsonPointers.child(pointer, name),
            true,
            "invalid name '" + name + "': expected " + nameHint(error));
      }
      case "minProperties" ->
          diagnostic(
              error, pointer, false, "needs at least " + error.getSchemaNode().asText() + " entry");
      default -> diagnostic(error, pointer, false, error.getMessage());
    };
  }

  private String enumMessage(String pointer, Error error, JsonNode value) {
    List<String> allowed = new ArrayList<>();
    error.getSchemaNode().forEach(v -> allowed.add(v.isTextual() ? v.asText() : v.toString()));
    String given = value != null && value.isTextual() ? value.asText() : String.valueOf(value);
    String suggestion = Suggestions.didYouMean(given, allowed);
    if (pointer.endsWith("/uses")) {
      return "unknown step type " + show(value) + suggestion;
    }
    if (allowed.size() > 8) {
      return show(value) + " is not allowed" + suggestion;
    }
    return show(value) + " is not one of: " + String.join(", ", allowed) + suggestion;
  }

  private String oneOfMessage(Error error) {
    List<String> shapes = new ArrayList<>();
    error
        .getSchemaNode()
        .forEach(
            branch -> {
              JsonNode required = branch.path("required");
              if (required.isArray() && required.size() > 0) {
                List<String> keys = new ArrayList<>();
                required.forEach(k -> keys.add(k.asText()));
                shapes.add(String.join(" + ", keys));
              }
            });
    if (shapes.size() == error.getSchemaNode().size() && !shapes.isEmpty()) {
      return "give exactly one of: " + String.join(", ", shapes);
    }
    return "matches more than one of the allowed forms";
  }

  /** Property names the object's schema declares, for "did you mean". */
  private Set<String> knownProperties(Error error) {
    Set<String> names = new LinkedHashSet<>();
    String location = error.getSchemaLocation().toString();
    int hash = location.indexOf('#');
    String fragment = hash < 0 ? "" : location.substring(hash + 1);
    JsonNode owner = schema.at(JsonPointers.parent(fragment));
    owner.path("properties").fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** What a valid name looks like, from the propertyNames pattern. */
  private String nameHint(Error error) {
    String location = error.getSchemaLocation().toString();
    int hash = location.indexOf('#');
    JsonNode names = schema.at(hash < 0 ? "" : location.substring(hash + 1));
    String pattern = names.path("pattern").asText("");
    String idPattern = schema.at("/$defs/stepId/pattern").asText();
    if (pattern.equals(idPattern) || pattern.equals("^[a-z][a-zA-Z0-9_]{0,62}$")) {
      return PATTERN_HINTS.get("stepId");
    }
    return pattern.isEmpty() ? "a valid name" : "text matching " + pattern;
  }

  private static boolean isExpressionPattern(Error error) {
    return error.getKeyword().equals("pattern")
        && error.getSchemaLocation().toString().endsWith("/$defs/expression/pattern");
  }

  private static String patternHint(Error error) {
    String location = error.getSchemaLocation().toString();
    for (Map.Entry<String, String> hint : PATTERN_HINTS.entrySet()) {
      if (location.endsWith("/$defs/" + hint.getKey() + "/pattern")) {
        return hint.getValue();
      }
    }
    return "text matching " + error.getSchemaNode().asText();
  }

  private static String article(String type) {
    return switch (type) {
      case "integer" -> "an integer";
      case "object" -> "a map";
      case "array" -> "a list";
      case "string" -> "text";
      case "boolean" -> "true or false";
      case "number" -> "a number";
      default -> type;
    };
  }

  private static String show(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    if (value.isTextual()) {
      return "'" + value.asText() + "'";
    }
    if (value.isObject()) {
      return "a map";
    }
    if (value.isArray()) {
      return "a list";
    }
    return value.toString();
  }

  private static String pointer(Error error) {
    String location = error.getInstanceLocation().toString();
    // NodePath prints as a JSON pointer in 2.x ("" for the root, "/steps/0").
    return location.equals("$") ? "" : location;
  }

  private Diagnostic diagnostic(Error error, String pointer, boolean atKey, String message) {
    Position at = atKey ? document.sourceMap().key(pointer) : document.sourceMap().value(pointer);
    return new Diagnostic(
        document.file(),
        at.line(),
        at.column(),
        Category.SCHEMA,
        JsonPointers.toDisplayPath(pointer),
        message);
  }
}
