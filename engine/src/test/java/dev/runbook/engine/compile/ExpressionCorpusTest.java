package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/**
 * Broken or wrongly aimed expressions, reported where the expression or its offending token starts.
 */
class ExpressionCorpusTest {

  @Test
  void rejectsAnUnclosedExpression() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "ticket ${{ params.ticket" }
        """,
        at("${{", "rb.yaml:10:27: expression: $.steps[0].with.text: unclosed ${{ (missing }})"));
  }

  /** Found by LoaderFuzzTest: the first token's lexer error escaped as an exception. */
  @Test
  void rejectsANoBreakSpaceOpeningAnExpression() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "ticket ${{\u00a0params.ticket }}" }
        """,
        at(
            "\u00a0params",
            "rb.yaml:10:30: expression: $.steps[0].with.text: invalid expression '\u00a0params.ticket':"
                + " unexpected 'U+00A0' at column 1"));
  }

  @Test
  void rejectsAnEmptyExpression() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "ticket ${{ }}" }
        """,
        at("${{ }}", "rb.yaml:8:27: expression: $.steps[0].with.text: empty expression"));
  }

  @Test
  void rejectsAMethodCall() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ params.ticket.toUpperCase() }}" }
        """,
        at(
            ".toUpperCase()",
            "rb.yaml:10:37: expression: $.steps[0].with.text: function and method calls are not"
                + " allowed: params.ticket.toUpperCase()"));
  }

  @Test
  void rejectsAFunctionCall() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ size(params.ticket) }}" }
        """,
        at(
            "(params.ticket)",
            "rb.yaml:10:28: expression: $.steps[0].with.text: function and method calls are not"
                + " allowed: size(params.ticket)"));
  }

  @Test
  void rejectsObjectCreation() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ new('java.io.File', '/') }}" }
        """,
        at(
            "new(",
            "rb.yaml:8:24: expression: $.steps[0].with.text: function and method calls are not"
                + " allowed: new('java.io.File', '/')"));
  }

  @Test
  void rejectsAnAssignment() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ params.ticket = 1 }}" }
        """,
        at(
            "params.ticket = 1",
            "rb.yaml:10:24: expression: $.steps[0].with.text: assignment is not allowed:"
                + " params.ticket = 1"));
  }

  @Test
  void rejectsAnUnknownRootName() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ secrets.token }}" }
        """,
        at(
            "secrets",
            "rb.yaml:8:24: expression: $.steps[0].with.text: unknown name 'secrets': expressions"
                + " may use params, env, run and steps"));
  }

  @Test
  void rejectsAMisspeltParamWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ params.tiket }}" }
        """,
        at(
            "${{ params.tiket }}",
            "rb.yaml:10:20: expression: $.steps[0].with.text: unknown param 'tiket' (did you mean"
                + " 'ticket'?)"));
  }

  @Test
  void rejectsAMisspeltParamInsideBlockText() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with:
              text: ticket ${{ params.tiket }} done
        """,
        at(
            "${{ params.tiket }}",
            "rb.yaml:11:20: expression: $.steps[0].with.text: unknown param 'tiket' (did you mean"
                + " 'ticket'?)"));
  }

  @Test
  void rejectsAMisspeltParamInAPromoteGateMessage() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage, prod]
        gates:
          promote:
            approvers: { group: db-team }
            message: "${{ params.tickt }}"
        steps:
          - id: note
            uses: notify
            with: { text: hi }
        """,
        at(
            "${{ params.tickt }}",
            "rb.yaml:10:15: expression: $.gates.promote.message: unknown param 'tickt' (did you"
                + " mean 'ticket'?)"));
  }

  @Test
  void rejectsEachBadExpressionOfOneStringAtItsOwnColumn() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ params.tiket }} and ${{ env.nmae }}" }
        """,
        at(
            "${{ params.tiket }}",
            "rb.yaml:10:20: expression: $.steps[0].with.text: unknown param 'tiket' (did you mean"
                + " 'ticket'?)"),
        at(
            "${{ env.nmae }}",
            "rb.yaml:10:44: expression: $.steps[0].with.text: unknown field 'env.nmae' (did you"
                + " mean 'name'?)"));
  }

  @Test
  void rejectsReadingIntoAParamThatIsNotAMap() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ params.ticket.id }}" }
        """,
        at(
            "${{ params.ticket.id }}",
            "rb.yaml:10:20: expression: $.steps[0].with.text: params.ticket.id: param 'ticket' is"
                + " not a map"));
  }

  @Test
  void rejectsAMisspeltStepWithASuggestion() {
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
          - id: note
            uses: notify
            with: { text: "${{ steps.chek.outputs.rowCount }}" }
        """,
        at(
            "${{ steps.chek",
            "rb.yaml:11:20: expression: $.steps[1].with.text: unknown step 'chek' (did you mean"
                + " 'check'?)"));
  }

  @Test
  void rejectsALaterStep() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ steps.done.outputs.delivered }}" }
          - id: done
            uses: notify
            with: { text: done }
        """,
        at(
            "${{ steps.done",
            "rb.yaml:8:20: expression: $.steps[0].with.text: step 'done' runs after 'note': a step"
                + " can only use outputs of earlier steps"));
  }

  @Test
  void rejectsALaterStepInACondition() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: a
            uses: notify
            when: "${{ steps.b.outputs.delivered }}"
            with: { text: x }
          - id: b
            uses: notify
            with: { text: y }
        """,
        at(
            "${{ steps.b",
            "rb.yaml:8:12: expression: $.steps[0].when: step 'b' runs after 'a': a step can only"
                + " use outputs of earlier steps"));
  }

  @Test
  void rejectsAStepReadingItsOwnOutputs() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ steps.note.outputs.delivered }}" }
        """,
        at(
            "${{ steps.note",
            "rb.yaml:8:20: expression: $.steps[0].with.text: step 'note' refers to its own"
                + " outputs"));
  }

  @Test
  void rejectsAMisspeltOutputWithASuggestion() {
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
          - id: note
            uses: notify
            with: { text: "${{ steps.check.outputs.rowcount }}" }
        """,
        at(
            "${{ steps.check",
            "rb.yaml:11:20: expression: $.steps[1].with.text: step 'check' (sql.query) has no"
                + " output 'rowcount' (did you mean 'rowCount'?)"));
  }

  @Test
  void rejectsAnUnknownOutputListingTheRealOnes() {
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
          - id: note
            uses: notify
            with: { text: "${{ steps.check.outputs.count }}" }
        """,
        at(
            "${{ steps.check",
            "rb.yaml:11:20: expression: $.steps[1].with.text: step 'check' (sql.query) has no"
                + " output 'count'; outputs: columns, rows, rowCount, truncated"));
  }

  @Test
  void rejectsAnOutputOfAStepTypeWithoutOutputs() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: pause
            uses: wait
            with: { duration: 1m }
          - id: note
            uses: notify
            with: { text: "${{ steps.pause.outputs.done }}" }
        """,
        at(
            "${{ steps.pause",
            "rb.yaml:11:20: expression: $.steps[1].with.text: step 'pause' (wait) has no output"
                + " 'done'; it has no outputs"));
  }

  @Test
  void rejectsAStepReferenceThatSkipsOutputs() {
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
          - id: note
            uses: notify
            with: { text: "${{ steps.check.rows }}" }
        """,
        at(
            "${{ steps.check.rows }}",
            "rb.yaml:11:20: expression: $.steps[1].with.text: steps.check.rows: a step reference"
                + " reads steps.check.outputs.<name> or steps.check.status"));
  }

  @Test
  void rejectsAMisspeltEnvFieldWithASuggestion() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ env.regoin }}" }
        """,
        at(
            "${{ env.regoin }}",
            "rb.yaml:8:20: expression: $.steps[0].with.text: unknown field 'env.regoin' (did you"
                + " mean 'region'?)"));
  }

  @Test
  void rejectsAnUnknownRunField() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ run.user }}" }
        """,
        at(
            "${{ run.user }}",
            "rb.yaml:8:20: expression: $.steps[0].with.text: unknown field 'run.user'"));
  }

  @Test
  void rejectsAWaitDurationReadFromAStepOutput() {
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
          - id: pause
            uses: wait
            with: { duration: "${{ steps.check.outputs.rowCount }}" }
        """,
        at(
            "${{ steps.check",
            "rb.yaml:11:24: expression: $.steps[1].with.duration: the wait duration must be known"
                + " when the plan is compiled: use params or env, not steps"));
  }
}
