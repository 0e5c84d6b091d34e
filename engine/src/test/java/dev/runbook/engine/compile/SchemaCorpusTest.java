package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/** Runbooks that are valid YAML but break {@code schemas/runbook.schema.json}. */
class SchemaCorpusTest {

  @Test
  void rejectsAMisspeltTopLevelKeyWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environment: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at("apiVersion", "rb.yaml:1:1: schema: $: missing required key 'environments'"),
        at(
            "environment",
            "rb.yaml:4:1: schema: $.environment: unknown key 'environment' (did you mean"
                + " 'environments'?)"));
  }

  @Test
  void rejectsAMisspeltStepKeyWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            timout: 5m
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "timout",
            "rb.yaml:8:5: schema: $.steps[0].timout: unknown key 'timout' (did you mean"
                + " 'timeout'?)"));
  }

  @Test
  void rejectsMissingRequiredKeysAtTheMapLackingThem() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix }
        steps:
          - uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at("apiVersion", "rb.yaml:1:1: schema: $: missing required key 'environments'"),
        at("metadata", "rb.yaml:3:1: schema: $.metadata: missing required key 'version'"),
        at("uses", "rb.yaml:5:5: schema: $.steps[0]: missing required key 'id'"));
  }

  @Test
  void rejectsValuesOfTheWrongType() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: one }
        environments: stage
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at("one", "rb.yaml:3:33: schema: $.metadata.version: expected an integer, got 'one'"),
        at("stage", "rb.yaml:4:15: schema: $.environments: expected a list, got 'stage'"));
  }

  @Test
  void rejectsAWrongApiVersionAndKind() {
    assertRunbook(
        """
        apiVersion: runbook/v2
        kind: runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "runbook/v2",
            "rb.yaml:1:13: schema: $.apiVersion: must be 'runbook/v1', got 'runbook/v2'"),
        at("runbook", "rb.yaml:2:7: schema: $.kind: must be 'Runbook', got 'runbook'"));
  }

  @Test
  void rejectsAMisspeltStepTypeWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.chnage
            with:
              database: platform
              statements: ["UPDATE t SET a = 1 WHERE id = 2"]
        """,
        at(
            "sql.chnage",
            "rb.yaml:7:11: schema: $.steps[0].uses: unknown step type 'sql.chnage' (did you mean"
                + " 'sql.change'?)"));
  }

  @Test
  void rejectsAMisspeltCompensationTypeWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: starting }
            compensate:
              uses: notfy
              with: { text: undone }
        """,
        at(
            "notfy",
            "rb.yaml:10:13: schema: $.steps[0].compensate.uses: unknown step type 'notfy' (did"
                + " you mean 'notify'?)"));
  }

  @Test
  void rejectsASqlChangeWithoutStatements() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
        """,
        at("with", "rb.yaml:8:5: schema: $.steps[0].with: missing required key 'statements'"));
  }

  @Test
  void rejectsAStepWithoutTheWithItsTypeNeeds() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
        """,
        at("id", "rb.yaml:6:5: schema: $.steps[0]: missing required key 'with'"));
  }

  @Test
  void rejectsAMisspeltInputWithASuggestion() {
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
              maxRow: 10
        """,
        at(
            "maxRow",
            "rb.yaml:11:7: schema: $.steps[0].with.maxRow: unknown key 'maxRow' (did you mean"
                + " 'maxRows'?)"));
  }

  @Test
  void rejectsAMisspeltInputOfAFinallyStepAndNamesTheMissingOne() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        finally:
          - uses: notify
            with: { txt: done }
        """,
        at("with", "rb.yaml:11:5: schema: $.finally[0].with: missing required key 'text'"),
        at(
            "txt",
            "rb.yaml:11:13: schema: $.finally[0].with.txt: unknown key 'txt' (did you mean"
                + " 'text'?)"));
  }

  @Test
  void rejectsADurationInWords() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            timeout: 5 minutes
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "5 minutes",
            "rb.yaml:8:14: schema: $.steps[0].timeout: expected a duration such as 90s, 15m, 4h or"
                + " 1h30m, got '5 minutes'"));
  }

  @Test
  void rejectsAStepIdWithAHyphen() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check-rows
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "check-rows",
            "rb.yaml:6:9: schema: $.steps[0].id: expected an id of letters, digits and _ starting"
                + " with a lowercase letter, got 'check-rows'"));
  }

  @Test
  void rejectsANumberAsStepId() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: 42
            uses: notify
            with: { text: hello }
        """,
        at("42", "rb.yaml:6:9: schema: $.steps[0].id: expected text, got 42"));
  }

  @Test
  void rejectsWordsWhereAnIntegerOrExpressionIsExpected() {
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
              maxRows: many
        """,
        at(
            "many",
            "rb.yaml:11:16: schema: $.steps[0].with.maxRows: expected an integer or a ${{ }}"
                + " expression, got 'many'"));
  }

  @Test
  void rejectsAnIntegerAboveItsMaximum() {
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
              maxRows: 20000
        """,
        at(
            "20000",
            "rb.yaml:11:16: schema: $.steps[0].with.maxRows: must be at most 10000, got 20000"));
  }

  @Test
  void rejectsANegativeRowExpectation() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["UPDATE t SET a = 1 WHERE id = 2"]
              expectRows: -1
        """,
        at("-1", "rb.yaml:11:19: schema: $.steps[0].with.expectRows: must be at least 0, got -1"));
  }

  @Test
  void rejectsARestoreTimeThatIsNotATimestamp() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: restore
            uses: aws.rds.restore-pitr
            with:
              source: platform
              target: platform-restored
              time: yesterday
        """,
        at(
            "yesterday",
            "rb.yaml:11:13: schema: $.steps[0].with.time: expected an RFC 3339 timestamp such as"
                + " 2026-11-21T08:00:00Z, got 'yesterday'"));
  }

  @Test
  void rejectsAnUnknownOnTimeout() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with:
              approvers: { group: db-leads }
              onTimeout: skip
        """,
        at(
            "skip",
            "rb.yaml:10:18: schema: $.steps[0].with.onTimeout: 'skip' is not one of: fail,"
                + " reject"));
  }

  @Test
  void rejectsAnApprovalMinimumOfZero() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with:
              approvers: { group: db-leads }
              min: 0
        """,
        at("0", "rb.yaml:10:12: schema: $.steps[0].with.min: must be at least 1, got 0"));
  }

  @Test
  void rejectsAnEmptyListOfApprovers() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with:
              approvers: { users: [] }
        """,
        at(
            "[]",
            "rb.yaml:9:27: schema: $.steps[0].with.approvers.users: needs at least 1 item(s)"));
  }

  @Test
  void rejectsAnUnknownParamType() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          rows: { type: int }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "int",
            "rb.yaml:5:17: schema: $.params.rows.type: 'int' is not one of: string, integer,"
                + " boolean, identifier, duration, timestamp, sql, map"));
  }

  @Test
  void rejectsAMisspeltParamOptionWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          rows: { type: integer, minimun: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "minimun",
            "rb.yaml:5:26: schema: $.params.rows.minimun: unknown key 'minimun' (did you mean"
                + " 'minimum'?)"));
  }

  @Test
  void rejectsBadNamesAndAnEmptyStepList() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: Fix_Rows, version: 0 }
        environments: [Stage]
        steps: []
        """,
        at(
            "Fix_Rows",
            "rb.yaml:3:19: schema: $.metadata.name: expected text matching ^[a-z][a-z0-9-]{0,62}$,"
                + " got 'Fix_Rows'"),
        at("0", "rb.yaml:3:38: schema: $.metadata.version: must be at least 1, got 0"),
        at(
            "Stage",
            "rb.yaml:4:16: schema: $.environments[0]: expected an environment name such as stage"
                + " or prod, got 'Stage'"),
        at("[]", "rb.yaml:5:8: schema: $.steps: needs at least 1 item(s)"));
  }

  @Test
  void rejectsAStepWrittenAsText() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - sql.query
        """,
        at("sql.query", "rb.yaml:6:5: schema: $.steps[0]: expected a map, got 'sql.query'"));
  }

  @Test
  void rejectsInputsWrittenAsText() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: hello
        """,
        at("hello", "rb.yaml:8:11: schema: $.steps[0].with: expected a map, got 'hello'"));
  }

  @Test
  void rejectsADocumentThatIsAList() {
    assertRunbook(
        """
        - apiVersion: runbook/v1
        - kind: Runbook
        """,
        at("-", "rb.yaml:1:1: schema: $: expected a map, got a list"));
  }
}
