package dev.runbook.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Diagnostic;
import java.util.List;
import org.junit.jupiter.api.Test;

class YamlLoaderTest {
  private final YamlLoader loader = new YamlLoader();

  private LoadedDocument ok(String text) {
    YamlLoader.Result result = loader.load("f.yaml", text);
    assertEquals(List.of(), result.diagnostics().sorted());
    return result.document().orElseThrow();
  }

  private List<String> problems(String text) {
    YamlLoader.Result result = loader.load("f.yaml", text);
    assertTrue(result.document().isEmpty(), "a document with syntax problems is not returned");
    return result.diagnostics().sorted().stream().map(Diagnostic::format).toList();
  }

  @Test
  void recordsThePositionOfEveryValueAndKey() {
    LoadedDocument doc =
        ok(
            """
            steps:
              - id: fix
                with:
                  statements:
                    - UPDATE t SET a = 1 WHERE id = 2
            """);

    SourceMap map = doc.sourceMap();
    assertEquals(new Position(2, 5), map.value("/steps/0"));
    assertEquals(new Position(2, 9), map.value("/steps/0/id"));
    assertEquals(new Position(2, 5), map.key("/steps/0/id"));
    assertEquals(new Position(3, 5), map.key("/steps/0/with"));
    assertEquals(new Position(5, 11), map.value("/steps/0/with/statements/0"));
    assertEquals(new Position(5, 11), map.value("/steps/0/with/statements/0/nothing/here"));
  }

  @Test
  void mapsAnOffsetInsideAOneLineScalarToItsColumn() {
    LoadedDocument doc =
        ok(
            """
            a: plain ${{ x }}
            b: "quoted ${{ x }}"
            c: 'single ${{ x }}'
            d: |
              block ${{ x }}
            """);

    assertEquals(new Position(1, 10), doc.sourceMap().insideScalar("/a", 6));
    assertEquals(new Position(2, 12), doc.sourceMap().insideScalar("/b", 7));
    assertEquals(new Position(3, 12), doc.sourceMap().insideScalar("/c", 7));
    assertEquals(new Position(4, 4), doc.sourceMap().insideScalar("/d", 6));
  }

  @Test
  void usesTheYaml12CoreSchemaSoNorwayStaysAString() {
    JsonNode tree =
        ok("""
            country: NO
            answer: yes
            count: 42
            big: 123456789012345678901234567890
            ratio: 1.50
            none: ~
            flag: true
            hex: 0x1F
            version: 1.10
            """)
            .tree();

    assertEquals("NO", tree.get("country").asText());
    assertEquals("yes", tree.get("answer").asText());
    assertTrue(tree.get("count").isLong());
    assertTrue(tree.get("big").isBigInteger());
    assertTrue(tree.get("ratio").isBigDecimal());
    assertTrue(tree.get("none").isNull());
    assertTrue(tree.get("flag").isBoolean());
    assertEquals(31, tree.get("hex").asLong());
  }

  @Test
  void reportsASyntaxErrorAtItsPosition() {
    assertEquals(
        List.of(
            "f.yaml:2:4: syntax: $: while scanning a quoted scalar: found unexpected end of stream"),
        problems("a: 1\nb: \"open\n"));
  }

  @Test
  void reportsEveryDuplicateKeyAtTheRepeatedKey() {
    assertEquals(
        List.of(
            "f.yaml:3:1: syntax: $.a: duplicate key 'a'",
            "f.yaml:6:3: syntax: $.c.d: duplicate key 'd'"),
        problems("a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n"));
  }

  @Test
  void refusesSeveralDocumentsEmptyFilesTagsAndComplexKeys() {
    assertEquals(
        List.of("f.yaml:2:1: syntax: $: one document per file, found more"),
        problems("a: 1\n---\nb: 2\n"));
    assertEquals(List.of("f.yaml:1:1: syntax: $: the file is empty"), problems("# nothing\n"));
    assertEquals(
        List.of("f.yaml:1:4: syntax: $.a: YAML tags are not supported: tag:yaml.org,2002:binary"),
        problems("a: !!binary aGVsbG8=\n"));
    assertEquals(
        List.of("f.yaml:1:3: syntax: $: mapping keys must be plain text"),
        problems("? [a, b]\n: 1\n"));
  }

  @Test
  void boundsAliasExpansionAgainstBillionLaughs() {
    StringBuilder text = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    char previous = 'a';
    for (char c = 'b'; c <= 'k'; c++) {
      text.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 10; i++) {
        text.append(i == 0 ? "" : ", ").append('*').append(previous);
      }
      text.append("]\n");
      previous = c;
    }
    List<String> problems = problems(text.toString());
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).contains("syntax"), problems.get(0));
  }

  @Test
  void theContentHashIsTheSha256OfTheExactText() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", YamlLoader.sha256(""));
    assertEquals(YamlLoader.sha256("a: 1\n"), ok("a: 1\n").sha256());
  }
}
