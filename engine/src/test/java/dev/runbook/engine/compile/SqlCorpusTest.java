package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/** SQL the guards refuse, written in the runbook or placed there from params. */
class SqlCorpusTest {

  @Test
  void rejectsUpdateWithoutWhere() {
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
              statements:
                - UPDATE invoices SET total = 0
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: UPDATE without WHERE would change every row of invoices"));
  }

  @Test
  void rejectsDeleteWithoutWhere() {
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
              statements:
                - DELETE FROM invoices
        """,
        at(
            "DELETE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: DELETE without WHERE would delete every row of invoices"));
  }

  @Test
  void rejectsUpdateWhereOneEqualsOne() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE 1=1
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: WHERE is always true: UPDATE would change every row of invoices"));
  }

  @Test
  void rejectsDeleteWhereTrue() {
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
              statements:
                - DELETE FROM invoices WHERE true
        """,
        at(
            "DELETE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: WHERE is always true: DELETE would delete every row of invoices"));
  }

  @Test
  void rejectsTwoStatementsInOneString() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = 1; DELETE FROM invoices WHERE id = 2
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: one statement per string, found 2"));
  }

  @Test
  void rejectsCommitInsideAChange() {
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
              statements:
                - COMMIT
        """,
        at(
            "COMMIT",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: transaction control (COMMIT) is not allowed: the engine owns the transaction"));
  }

  @Test
  void rejectsACommitAppendedToAChange() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = 1; COMMIT
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: one statement per string, found 2"));
  }

  @Test
  void rejectsAlterTableInAChange() {
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
              statements:
                - ALTER TABLE invoices ADD COLUMN note text
        """,
        at(
            "ALTER",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: DDL (ALTER TABLE) is only allowed in migration steps"));
  }

  @Test
  void rejectsDropTableInAChange() {
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
              statements:
                - DROP TABLE invoices
        """,
        at(
            "DROP",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: DDL (DROP TABLE) is only allowed in migration steps"));
  }

  @Test
  void rejectsADeleteInAQuery() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: DELETE FROM invoices WHERE id = 1
        """,
        at(
            "DELETE",
            "rb.yaml:10:14: sql: $.steps[0].with.query: a read-only query may not contain DELETE"));
  }

  @Test
  void rejectsADataModifyingCteInAQuery() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: WITH gone AS (DELETE FROM invoices WHERE id = 1 RETURNING id) SELECT id FROM gone
        """,
        at(
            "WITH",
            "rb.yaml:10:14: sql: $.steps[0].with.query: a read-only query may not contain DELETE"));
  }

  @Test
  void rejectsSelectForUpdateInAQuery() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: SELECT * FROM invoices WHERE id = 1 FOR UPDATE
        """,
        at(
            "SELECT",
            "rb.yaml:10:14: sql: $.steps[0].with.query: a read-only query may not contain FOR UPDATE"));
  }

  @Test
  void rejectsAWriteInAChangeVerification() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = 1
              verify: { query: "DELETE FROM invoices WHERE id = 1" }
        """,
        at(
            "\"DELETE",
            "rb.yaml:12:24: sql: $.steps[0].with.verify.query: a read-only query may not contain DELETE"));
  }

  @Test
  void rejectsADeleteInAnExport() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: out
            uses: sql.export
            with:
              database: platform
              query: DELETE FROM invoices WHERE id = 1
              format: csv
              path: /tmp/invoices.csv
        """,
        at(
            "DELETE",
            "rb.yaml:10:14: sql: $.steps[0].with.query: a read-only query may not contain DELETE"));
  }

  @Test
  void rejectsAnExpressionSplicedIntoAChange() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          id: { type: integer }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements:
                - "UPDATE invoices SET total = 0 WHERE id = ${{ params.id }}"
        """,
        at(
            "${{ params.id }}",
            "rb.yaml:13:53: sql: $.steps[0].with.statements[0]: expression spliced into SQL text: write :name in the SQL and pass the value in bind"));
  }

  @Test
  void rejectsAnExpressionSplicedIntoAQuotedLiteral() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: "SELECT * FROM invoices WHERE ticket = '${{ params.ticket }}'"
        """,
        at(
            "${{ params.ticket }}",
            "rb.yaml:12:54: sql: $.steps[0].with.query: expression spliced into SQL text: write :name in the SQL and pass the value in bind"));
  }

  @Test
  void rejectsTextAppendedToASqlParam() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          change: { type: sql, kind: dml }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements:
                - "${{ params.change }} WHERE id = 1"
        """,
        at(
            "${{ params.change }}",
            "rb.yaml:13:12: sql: $.steps[0].with.statements[0]: expression spliced into SQL text: write :name in the SQL and pass the value in bind"));
  }

  @Test
  void rejectsAnExpressionThatIsNotASqlParam() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          id: { type: integer }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements:
                - "${{ params.id == 1 }}"
        """,
        at(
            "${{ params.id == 1 }}",
            "rb.yaml:13:12: sql: $.steps[0].with.statements[0]: SQL must be written in the runbook or come whole from a sql param; pass values as :name bind parameters"));
  }

  @Test
  void rejectsAQuestionMarkPlaceholder() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = ?
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: use :named bind parameters, not ?"));
  }

  @Test
  void rejectsANamedPlaceholderMissingFromBind() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = :id
              bind: { invoice: 1 }
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: :id has no value in bind"));
  }

  @Test
  void rejectsANamedPlaceholderWithoutAnyBind() {
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
              statements:
                - UPDATE invoices SET total = 0 WHERE id = :id
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: :id has no value in bind"));
  }

  @Test
  void rejectsASelectParamAsAChange() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          verify: { type: sql, kind: select }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements:
                - "${{ params.verify }}"
        """,
        at(
            "${{ params.verify }}",
            "rb.yaml:13:12: sql: $.steps[0].with.statements[0]: param 'verify' is sql of kind select; this place needs kind dml"));
  }

  @Test
  void rejectsADmlParamAsAQuery() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          change: { type: sql, kind: dml }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: "${{ params.change }}"
        """,
        at(
            "${{ params.change }}",
            "rb.yaml:12:15: sql: $.steps[0].with.query: param 'change' is sql of kind dml; this place needs kind select"));
  }

  @Test
  void rejectsAStringParamUsedAsSql() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements:
                - "${{ params.ticket }}"
        """,
        at(
            "${{ params.ticket }}",
            "rb.yaml:13:12: sql: $.steps[0].with.statements[0]: param 'ticket' is of type string; SQL comes from a param of type sql, kind dml"));
  }

  @Test
  void rejectsPgSleep() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: look
            uses: sql.query
            with:
              database: platform
              query: SELECT pg_sleep(600)
        """,
        at(
            "SELECT",
            "rb.yaml:10:14: sql: $.steps[0].with.query: function pg_sleep is not allowed here"));
  }

  @Test
  void rejectsAWhereHiddenInALineComment() {
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
              statements:
                - UPDATE invoices SET total = 0 -- WHERE id = 1
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: UPDATE without WHERE would change every row of invoices"));
  }

  @Test
  void rejectsAWhereHiddenInABlockComment() {
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
              statements:
                - UPDATE invoices SET total = 0 /* WHERE id = 1 */
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: UPDATE without WHERE would change every row of invoices"));
  }

  @Test
  void rejectsAnUpdateWithoutWhereWrittenAsABlock() {
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
              statements:
                - |
                  UPDATE invoices
                  SET total = 0
        """,
        at(
            "|",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: UPDATE without WHERE would change every row of invoices"));
  }

  @Test
  void rejectsSqlThatDoesNotParse() {
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
              statements:
                - UPDATE invoices SETT total = 0 WHERE id = 1
        """,
        at(
            "UPDATE",
            "rb.yaml:11:11: sql: $.steps[0].with.statements[0]: cannot parse SQL: unexpected \"total\" at line 1, column 22"));
  }
}
