package dev.runbook.engine.compile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.diag.Suggestions;
import dev.runbook.engine.spec.ParamSpec;
import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.sql.SqlGuard;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Converts and checks parameter values against their declarations: launch values typed on the
 * command line ({@link #fromText}) and defaults written in the runbook ({@link #check}).
 */
public final class ParamValues {
  static final Pattern IDENTIFIER =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
  // Strict: text after the object ({"id": 1} OR 1=1) or a key given twice would otherwise be
  // dropped silently, so the run would take a value other than the one typed and reviewed.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A converted value, or the reason it was refused. */
  public record Outcome(JsonNode value, List<String> problems) {
    static Outcome ok(JsonNode value) {
      return new Outcome(value, List.of());
    }

    static Outcome bad(String problem) {
      return new Outcome(null, List.of(problem));
    }

    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private ParamValues() {}

  /** Converts text from {@code -p name=value} to the declared type, then checks it. */
  public static Outcome fromText(ParamSpec param, String text) {
    if (param.type() == null) {
      return Outcome.bad("the param declares no known type");
    }
    JsonNode value;
    switch (param.type()) {
      case INTEGER -> {
        try {
          value = NODES.numberNode(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
          return Outcome.bad("expected an integer, got '" + text + "'");
        }
      }
      case BOOLEAN -> {
        if (!text.equals("true") && !text.equals("false")) {
          return Outcome.bad("expected true or false, got '" + text + "'");
        }
        value = NODES.booleanNode(text.equals("true"));
      }
      case MAP -> {
        try {
          value = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          String why = e.getOriginalMessage();
          return Outcome.bad(
              "expected a JSON object such as {\"id\": 42}, got '"
                  + text
                  + "'"
                  + (why != null && why.startsWith("Duplicate field")
                      ? ": " + why.replace("Duplicate field", "a key is given twice,")
                      : ""));
        }
      }
      default -> value = NODES.textNode(text);
    }
    return check(param, value);
  }

  /** Checks a value (a default or a converted launch value) and normalises it. */
  public static Outcome check(ParamSpec param, JsonNode value) {
    if (param.type() == null) {
      return Outcome.bad("the param declares no known type");
    }
    Outcome typed = checkType(param, value);
    if (!typed.ok()) {
      return typed;
    }
    List<String> problems = new ArrayList<>(constraints(param, typed.value()));
    return problems.isEmpty() ? typed : new Outcome(null, problems);
  }

  private static Outcome checkType(ParamSpec param, JsonNode value) {
    String text = value.isTextual() ? value.asText() : null;
    return switch (param.type()) {
      case STRING -> text != null ? Outcome.ok(value) : Outcome.bad(expected("a string", value));
      case INTEGER ->
          value.isIntegralNumber() && value.canConvertToLong()
              ? Outcome.ok(NODES.numberNode(value.asLong()))
              : Outcome.bad(expected("an integer", value));
      case BOOLEAN ->
          value.isBoolean() ? Outcome.ok(value) : Outcome.bad(expected("true or false", value));
      case IDENTIFIER ->
          text != null && IDENTIFIER.matcher(text).matches()
              ? Outcome.ok(value)
              : Outcome.bad(
                  expected("an SQL identifier such as invoices or billing.invoices", value));
      case DURATION ->
          text != null && Durations.parse(text).isPresent()
              ? Outcome.ok(value)
              : Outcome.bad(expected("a duration such as 90s, 15m, 4h or 1h30m", value));
      case TIMESTAMP -> timestamp(value);
      case SQL -> sql(param, value);
      case MAP -> map(value);
    };
  }

  private static Outcome timestamp(JsonNode value) {
    if (!value.isTextual()) {
      return Outcome.bad(expected("an RFC 3339 timestamp such as 2026-11-21T08:00:00Z", value));
    }
    try {
      OffsetDateTime time = OffsetDateTime.parse(value.asText());
      return Outcome.ok(
          NODES.textNode(time.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString()));
    } catch (DateTimeParseException e) {
      return Outcome.bad(expected("an RFC 3339 timestamp such as 2026-11-21T08:00:00Z", value));
    }
  }

  private static Outcome sql(ParamSpec param, JsonNode value) {
    if (!value.isTextual()) {
      return Outcome.bad(expected("one SQL statement", value));
    }
    SqlContext context =
        switch (param.sqlKind() == null ? "" : param.sqlKind()) {
          case "dml" -> SqlContext.CHANGE;
          case "migration" -> SqlContext.MIGRATION;
          default -> SqlContext.QUERY;
        };
    SqlAnalysis analysis = SqlGuard.analyze(value.asText(), context);
    if (!analysis.ok()) {
      return new Outcome(null, analysis.findings().stream().map(f -> f.message()).toList());
    }
    return Outcome.ok(value);
  }

  private static Outcome map(JsonNode value) {
    if (!value.isObject()) {
      return Outcome.bad(expected("a map of names to values", value));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getValue().isContainerNode()) {
        return Outcome.bad(
            "map value '" + entry.getKey() + "' must be a single value, not a list or map");
      }
    }
    return Outcome.ok(value);
  }

  private static List<String> constraints(ParamSpec param, JsonNode value) {
    List<String> problems = new ArrayList<>();
    if (!param.allowed().isEmpty() && !param.allowed().contains(value)) {
      List<String> options = param.allowed().stream().map(JsonNode::asText).toList();
      problems.add(
          "must be one of: "
              + param.allowed().stream().map(ParamValues::show).collect(Collectors.joining(", "))
              + ", got "
              + show(value)
              + (value.isTextual() ? Suggestions.didYouMean(value.asText(), options) : ""));
    }
    if (value.isNumber()) {
      BigDecimal number = value.decimalValue();
      if (param.minimum() != null && number.compareTo(param.minimum()) < 0) {
        problems.add(
            "must be at least " + param.minimum().toPlainString() + ", got " + show(value));
      }
      if (param.maximum() != null && number.compareTo(param.maximum()) > 0) {
        problems.add("must be at most " + param.maximum().toPlainString() + ", got " + show(value));
      }
    }
    if (value.isTextual()) {
      String text = value.asText();
      int length = text.codePointCount(0, text.length());
      if (param.minLength() != null && length < param.minLength()) {
        problems.add("must be at least " + param.minLength() + " characters");
      }
      if (param.maxLength() != null && length > param.maxLength()) {
        problems.add("must be at most " + param.maxLength() + " characters");
      }
      if (param.pattern() != null) {
        try {
          if (!Pattern.compile(param.pattern()).matcher(text).find()) {
            problems.add("'" + text + "' does not match " + param.pattern());
          }
        } catch (PatternSyntaxException e) {
          problems.add("the declared pattern is not a valid regular expression");
        }
      }
    }
    return problems;
  }

  private static String expected(String what, JsonNode value) {
    return "expected " + what + ", got " + show(value);
  }

  static String show(JsonNode value) {
    return value.isTextual() ? "'" + value.asText() + "'" : value.toString();
  }
}
