package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/** Broken YAML: each case is reported once, as a syntax problem, where the text goes wrong. */
class SyntaxCorpusTest {

  @Test
  void rejectsAKeyIndentedDeeperThanItsSibling() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata:
          name: fix
           version: 1
        environments: [stage]
        """,
        at(":", "rb.yaml:5:11: syntax: $: mapping values are not allowed here"));
  }

  @Test
  void rejectsAKeyIndentedLessThanItsSibling() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata:
          name: fix
         version: 1
        environments: [stage]
        """,
        at(
            "version",
            "rb.yaml:5:2: syntax: $: while parsing a block mapping: expected <block end>, but"
                + " found '<block mapping start>'"));
  }

  @Test
  void rejectsAnUnclosedFlowMappingWhereTheNextKeyStarts() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1
        environments: [stage]
        """,
        at(
            ":",
            "rb.yaml:4:13: syntax: $: while parsing a flow mapping: expected ',' or '}', but got"
                + " :"));
  }

  @Test
  void rejectsAnUnclosedFlowSequenceWhereTheNextKeyStarts() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        environments: [stage
        steps: []
        """,
        at(
            ":",
            "rb.yaml:4:6: syntax: $: while parsing a flow sequence: expected ',' or ']', but got"
                + " :"));
  }

  @Test
  void rejectsTabIndentation() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata:
        \tname: fix
        """,
        at(
            "\t",
            "rb.yaml:4:1: syntax: $: while scanning for the next token: found character"
                + " '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for"
                + " indentation)"));
  }

  @Test
  void rejectsADuplicateKeyAtTheSecondOccurrence() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with:
              database: platform
              query: SELECT 1
              database: invoicing
        """,
        at("database", "rb.yaml:11:7: syntax: $.steps[0].with.database: duplicate key 'database'"));
  }

  @Test
  void rejectsADuplicateKeyInAFlowMapping() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1, name: other }
        """,
        at("name", "rb.yaml:3:36: syntax: $.metadata.name: duplicate key 'name'"));
  }

  @Test
  void rejectsAnEmptyFile() {
    assertRunbook("", at("", "rb.yaml:1:1: syntax: $: the file is empty"));
  }

  @Test
  void rejectsAFileWithOnlyComments() {
    assertRunbook(
        """
        # yaml-language-server: $schema=../schemas/runbook.schema.json
        """,
        at("#", "rb.yaml:1:1: syntax: $: the file is empty"));
  }

  @Test
  void rejectsABinaryTag() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: !!binary aGVsbG8= }
        """,
        at(
            "!!binary",
            "rb.yaml:3:33: syntax: $.metadata.version: YAML tags are not supported:"
                + " tag:yaml.org,2002:binary"));
  }

  @Test
  void rejectsALocalTag() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: !Runbook Runbook
        """,
        at("!Runbook", "rb.yaml:2:7: syntax: $.kind: YAML tags are not supported: !Runbook"));
  }

  @Test
  void rejectsATagOnACollection() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        environments: !!set { stage }
        """,
        at(
            "!!set",
            "rb.yaml:3:15: syntax: $.environments: YAML tags are not supported:"
                + " tag:yaml.org,2002:set"));
  }

  @Test
  void rejectsFlowNestingDeeperThan64Levels() {
    String text =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: %s%s
        """
            .formatted("[".repeat(70), "]".repeat(70));
    assertRunbook(
        text,
        at(
            "[",
            "rb.yaml:3:75: syntax: $.metadata"
                + "[0]".repeat(64)
                + ": nesting deeper than 64 levels"));
  }

  @Test
  void rejectsBlockNestingDeeperThan64Levels() {
    StringBuilder text = new StringBuilder("apiVersion: runbook/v1\n");
    StringBuilder path = new StringBuilder("$");
    for (int depth = 0; depth < 66; depth++) {
      text.append("  ".repeat(depth)).append("k").append(depth).append(":\n");
      path.append(".k").append(depth);
    }
    text.append("  ".repeat(66)).append("leaf: x\n");
    // k64 is the 65th level below the root: its value (the mapping holding k65) is too deep.
    assertRunbook(
        text.toString(),
        at(
            "k65",
            "rb.yaml:67:131: syntax: "
                + path.substring(0, path.indexOf(".k65"))
                + ": nesting deeper than 64 levels"));
  }
}
