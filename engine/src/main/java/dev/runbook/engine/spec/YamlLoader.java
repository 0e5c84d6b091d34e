package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.internal.Sha256;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads one YAML document into a Jackson tree while recording the position of every value and key.
 * Uses the YAML 1.2 core schema ({@code yes}/{@code no} stay strings). Syntax problems, duplicate
 * keys, tags and non-scalar keys become diagnostics; nothing is thrown.
 */
public final class YamlLoader {
  /** Runbooks are small; a larger file is a mistake or an attack. */
  public static final int MAX_CODE_POINTS = 2 * 1024 * 1024;

  private static final int MAX_DEPTH = 64;
  private static final int MAX_ALIASES = 50;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The outcome: a document when {@code diagnostics} has no syntax problem. */
  public record Result(Optional<LoadedDocument> document, Diagnostics diagnostics) {}

  public Result load(String file, String text) {
    Diagnostics diagnostics = new Diagnostics();
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(file)
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(true) // reported below with their position
            .setMaxAliasesForCollections(MAX_ALIASES)
            .setCodePointLimit(MAX_CODE_POINTS)
            .setAllowRecursiveKeys(false)
            .setAllowNonScalarKeys(true) // reported below with a clear message
            .build();
    Node root;
    try {
      Iterator<Node> documents = new Compose(settings).composeAllFromString(text).iterator();
      if (!documents.hasNext()) {
        diagnostics.add(syntax(file, Position.START, "", "the file is empty"));
        return new Result(Optional.empty(), diagnostics);
      }
      root = documents.next();
      if (documents.hasNext()) {
        Node second = documents.next();
        int fromLine = root.getEndMark().map(Mark::getLine).orElse(0);
        Position at = separatorAfter(text, fromLine).orElse(position(second.getStartMark()));
        diagnostics.add(syntax(file, at, "", "one document per file, found more"));
        return new Result(Optional.empty(), diagnostics);
      }
      if (root instanceof ScalarNode scalar
          && scalar.getTag().equals(Tag.NULL)
          && scalar.getValue().isEmpty()) {
        diagnostics.add(syntax(file, Position.START, "", "the file is empty"));
        return new Result(Optional.empty(), diagnostics);
      }
    } catch (MarkedYamlEngineException e) {
      // An unclosed quote or bracket is found at the end of the file; point at where it opened.
      boolean atEnd = String.valueOf(e.getProblem()).contains("end of stream");
      Position at =
          atEnd && e.getContextMark().isPresent()
              ? position(e.getContextMark())
              : position(e.getProblemMark().or(e::getContextMark));
      diagnostics.add(syntax(file, at, "", describe(e)));
      return new Result(Optional.empty(), diagnostics);
    } catch (YamlEngineException e) {
      diagnostics.add(syntax(file, Position.START, "", oneLine(e.getMessage())));
      return new Result(Optional.empty(), diagnostics);
    }
    SourceMap sourceMap = new SourceMap();
    JsonNode tree = new Converter(file, sourceMap, diagnostics).convert(root, "", 0);
    if (!diagnostics.isEmpty()) {
      return new Result(Optional.empty(), diagnostics);
    }
    return new Result(
        Optional.of(new LoadedDocument(file, tree, sourceMap, sha256(text))), diagnostics);
  }

  /** Where the next "---" document separator stands, at or after a 0-based line. */
  private static Optional<Position> separatorAfter(String text, int fromLine) {
    List<String> lines = text.lines().toList();
    for (int i = Math.max(fromLine, 0); i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.equals("---") || line.startsWith("--- ") || line.startsWith("---\t")) {
        return Optional.of(new Position(i + 1, 1));
      }
    }
    return Optional.empty();
  }

  public static String sha256(String text) {
    return Sha256.hex(text);
  }

  private static String describe(MarkedYamlEngineException e) {
    String problem = e.getProblem();
    String context = e.getContext();
    if (problem == null || problem.isBlank()) {
      return oneLine(context == null ? "invalid YAML" : context);
    }
    return oneLine(context == null ? problem : context + ": " + problem);
  }

  private static String oneLine(String text) {
    if (text == null) {
      return "invalid YAML";
    }
    String first = text.strip().lines().findFirst().orElse("invalid YAML");
    return first.replaceAll("\\s+", " ");
  }

  static Position position(Optional<Mark> mark) {
    return mark.map(m -> new Position(m.getLine() + 1, m.getColumn() + 1)).orElse(Position.START);
  }

  private static Diagnostic syntax(String file, Position at, String pointer, String message) {
    return new Diagnostic(
        file,
        at.line(),
        at.column(),
        Category.SYNTAX,
        JsonPointers.toDisplayPath(pointer),
        message);
  }

  /** Walks the composed node graph once; aliases are expanded, depth is bounded. */
  private static final class Converter {
    private final String file;
    private final SourceMap sourceMap;
    private final Diagnostics diagnostics;

    Converter(String file, SourceMap sourceMap, Diagnostics diagnostics) {
      this.file = file;
      this.sourceMap = sourceMap;
      this.diagnostics = diagnostics;
    }

    JsonNode convert(Node node, String pointer, int depth) {
      Position at = position(node.getStartMark());
      sourceMap.putValue(pointer, at);
      if (depth > MAX_DEPTH) {
        diagnostics.add(syntax(file, at, pointer, "nesting deeper than " + MAX_DEPTH + " levels"));
        return JSON.nullNode();
      }
      if (node instanceof ScalarNode scalar) {
        return scalar(scalar, pointer, at);
      }
      if (node instanceof SequenceNode sequence) {
        checkTag(node, Tag.SEQ, pointer, at);
        ArrayNode array = JSON.arrayNode();
        int index = 0;
        for (Node item : sequence.getValue()) {
          array.add(convert(item, JsonPointers.child(pointer, index++), depth + 1));
        }
        return array;
      }
      MappingNode mapping = (MappingNode) node;
      checkTag(node, Tag.MAP, pointer, at);
      ObjectNode object = JSON.objectNode();
      Set<String> seen = new HashSet<>();
      for (NodeTuple tuple : mapping.getValue()) {
        Position keyAt = position(tuple.getKeyNode().getStartMark());
        if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
          diagnostics.add(syntax(file, keyAt, pointer, "mapping keys must be plain text"));
          continue;
        }
        String key = keyNode.getValue();
        String child = JsonPointers.child(pointer, key);
        if (!seen.add(key)) {
          diagnostics.add(syntax(file, keyAt, child, "duplicate key '" + key + "'"));
          continue;
        }
        sourceMap.putKey(child, keyAt);
        object.set(key, convert(tuple.getValueNode(), child, depth + 1));
      }
      return object;
    }

    private void checkTag(Node node, Tag expected, String pointer, Position at) {
      if (!node.getTag().equals(expected)) {
        diagnostics.add(
            syntax(file, at, pointer, "YAML tags are not supported: " + node.getTag().getValue()));
      }
    }

    private JsonNode scalar(ScalarNode scalar, String pointer, Position at) {
      String value = scalar.getValue();
      ScalarStyle style = scalar.getScalarStyle();
      boolean singleLine =
          (style == ScalarStyle.PLAIN || style == ScalarStyle.SINGLE_QUOTED)
              && scalar.getStartMark().isPresent()
              && scalar.getEndMark().isPresent()
              && scalar.getStartMark().get().getLine() == scalar.getEndMark().get().getLine()
              && !value.contains("'");
      sourceMap.putScalar(
          pointer,
          new SourceMap.ScalarLayout(singleLine || doubleQuotedPlain(scalar), quote(style)));
      Tag tag = scalar.getTag();
      if (tag.equals(Tag.STR)) {
        return JSON.textNode(value);
      }
      if (tag.equals(Tag.NULL)) {
        return JSON.nullNode();
      }
      if (tag.equals(Tag.BOOL)) {
        return JSON.booleanNode(value.equalsIgnoreCase("true"));
      }
      if (tag.equals(Tag.INT)) {
        return integer(value, pointer, at);
      }
      if (tag.equals(Tag.FLOAT)) {
        return decimal(value, pointer, at);
      }
      diagnostics.add(syntax(file, at, pointer, "YAML tags are not supported: " + tag.getValue()));
      return JSON.nullNode();
    }

    private static boolean doubleQuotedPlain(ScalarNode scalar) {
      if (scalar.getScalarStyle() != ScalarStyle.DOUBLE_QUOTED) {
        return false;
      }
      Optional<Mark> start = scalar.getStartMark();
      Optional<Mark> end = scalar.getEndMark();
      // Escapes change the width; only map offsets when the source is as long as the value.
      return start.isPresent()
          && end.isPresent()
          && start.get().getLine() == end.get().getLine()
          && end.get().getColumn() - start.get().getColumn() == scalar.getValue().length() + 2;
    }

    private static int quote(ScalarStyle style) {
      return style == ScalarStyle.SINGLE_QUOTED || style == ScalarStyle.DOUBLE_QUOTED ? 1 : 0;
    }

    private JsonNode integer(String raw, String pointer, Position at) {
      String text = raw.replace("_", "");
      try {
        BigInteger number;
        if (text.startsWith("0x")) {
          number = new BigInteger(text.substring(2), 16);
        } else if (text.startsWith("0o")) {
          number = new BigInteger(text.substring(2), 8);
        } else {
          number = new BigInteger(text);
        }
        return number.bitLength() < 64
            ? JSON.numberNode(number.longValue())
            : JSON.numberNode(number);
      } catch (NumberFormatException e) {
        diagnostics.add(syntax(file, at, pointer, "not a number: " + raw));
        return JSON.nullNode();
      }
    }

    private JsonNode decimal(String raw, String pointer, Position at) {
      try {
        return JSON.numberNode(new BigDecimal(raw));
      } catch (NumberFormatException e) {
        diagnostics.add(syntax(file, at, pointer, "not a finite number: " + raw));
        return JSON.nullNode();
      }
    }
  }
}
