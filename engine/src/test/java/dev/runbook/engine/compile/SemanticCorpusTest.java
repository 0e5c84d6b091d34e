package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/** Runbooks the schema accepts but whose meaning is wrong or unsafe. */
class SemanticCorpusTest {

  @Test
  void rejectsADuplicateStepIdNamingTheFirstLine() {
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
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 2 }
        """,
        at(
            "check",
            "rb.yaml:9:9: semantic: $.steps[1].id: duplicate step id 'check' (first used on line"
                + " 6)"));
  }

  @Test
  void rejectsEveryRepeatOfAStepIdAgainstTheFirst() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: a
            uses: notify
            with: { text: x }
          - id: a
            uses: notify
            with: { text: y }
          - id: a
            uses: notify
            with: { text: z }
        """,
        at(
            "a",
            "rb.yaml:9:9: semantic: $.steps[1].id: duplicate step id 'a' (first used on line 6)"),
        at(
            "a",
            "rb.yaml:12:9: semantic: $.steps[2].id: duplicate step id 'a' (first used on line 6)"));
  }

  @Test
  void rejectsAFinallyStepReusingAStepId() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: done
            uses: notify
            with: { text: hi }
        finally:
          - id: done
            uses: notify
            with: { text: bye }
        """,
        at(
            "done",
            "rb.yaml:10:9: semantic: $.finally[0].id: duplicate step id 'done' (first used on line"
                + " 6)"));
  }

  @Test
  void rejectsProdListedFirst() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [prod, stage]
        gates:
          promote:
            approvers: { group: db-team }
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "prod",
            "rb.yaml:4:16: semantic: $.environments[0]: 'prod' needs an earlier environment (such"
                + " as stage) to run and be verified first"));
  }

  @Test
  void rejectsProductionAsTheOnlyEnvironment() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [production]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "production",
            "rb.yaml:4:16: semantic: $.environments[0]: 'production' needs an earlier environment"
                + " (such as stage) to run and be verified first"));
  }

  @Test
  void rejectsSeveralEnvironmentsWithoutAPromoteGate() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage, prod]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "[stage, prod]",
            "rb.yaml:4:15: semantic: $.environments: gates.promote is required when a runbook lists"
                + " more than one environment: someone verifies each environment before the next"));
  }

  @Test
  void rejectsAnApprovalOnAQuery() {
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
            approval:
              approvers: { group: db-leads }
        """,
        at(
            "approval",
            "rb.yaml:9:5: semantic: $.steps[0].approval: approval is not allowed on sql.query steps;"
                + " add a separate step with uses: approval"));
  }

  @Test
  void rejectsTerminatingSessionsWithoutApproval() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: kill
            uses: sql.terminate-sessions
            with:
              database: platform
              sessions: [4242]
              reason: stuck migration
        """,
        at(
            "id: kill",
            "rb.yaml:6:5: semantic: $.steps[0]: sql.terminate-sessions needs an approval: a"
                + " reviewer must see what it will do first"));
  }

  @Test
  void rejectsACompensationOnAnApprovalStep() {
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
            compensate:
              uses: notify
              with: { text: rolled back }
        """,
        at(
            "compensate",
            "rb.yaml:10:5: semantic: $.steps[0].compensate: compensate is only for steps that"
                + " change something; approval does not"));
  }

  @Test
  void rejectsACompensationOnAWaitStep() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: pause
            uses: wait
            with: { duration: 5m }
            compensate:
              uses: notify
              with: { text: rolled back }
        """,
        at(
            "compensate",
            "rb.yaml:9:5: semantic: $.steps[0].compensate: compensate is only for steps that change"
                + " something; wait does not"));
  }

  @Test
  void rejectsACompensationOnAnAssertStep() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: sure
            uses: assert
            with: { that: "${{ env.name == 'stage' }}" }
            compensate:
              uses: notify
              with: { text: rolled back }
        """,
        at(
            "compensate",
            "rb.yaml:9:5: semantic: $.steps[0].compensate: compensate is only for steps that change"
                + " something; assert does not"));
  }

  @Test
  void rejectsACompensationInFinally() {
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
            with: { text: done }
            compensate:
              uses: notify
              with: { text: undone }
        """,
        at(
            "compensate",
            "rb.yaml:12:5: semantic: $.finally[0].compensate: finally steps run after compensation"
                + " and cannot register an undo"));
  }

  @Test
  void rejectsAWaitAsAnUndo() {
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
              uses: wait
              with: { duration: 1m }
        """,
        at(
            "wait",
            "rb.yaml:10:13: semantic: $.steps[0].compensate.uses: an undo must be an action step,"
                + " not wait"));
  }

  @Test
  void rejectsAGateShowingAnUnknownOrLaterStep() {
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
          - id: ok
            uses: approval
            with:
              approvers: { group: db-leads }
              shows: [backup, fix]
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["UPDATE t SET a = 1 WHERE id = 2"]
        """,
        at(
            "backup",
            "rb.yaml:13:15: semantic: $.steps[1].with.shows[0]: shows unknown step 'backup'"),
        at(
            "fix",
            "rb.yaml:13:23: semantic: $.steps[1].with.shows[1]: shows step 'fix', which runs later;"
                + " a gate can only show earlier steps"));
  }

  @Test
  void rejectsParamOptionsThatDoNotFitTheType() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string, minimum: 1 }
          rows: { type: integer, kind: dml, pattern: '^[0-9]+$' }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "minimum",
            "rb.yaml:5:27: semantic: $.params.ticket.minimum: minimum does not apply to a param of"
                + " type string"),
        at(
            "kind",
            "rb.yaml:6:26: semantic: $.params.rows.kind: kind does not apply to a param of type"
                + " integer"),
        at(
            "pattern",
            "rb.yaml:6:37: semantic: $.params.rows.pattern: pattern does not apply to a param of"
                + " type integer"));
  }

  @Test
  void rejectsASqlParamWithoutKindAndItsUseAsAChange() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          change: { type: sql }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["${{ params.change }}"]
        """,
        at(
            "{ type: sql }",
            "rb.yaml:5:11: semantic: $.params.change: a sql param needs kind: select, dml or migration"),
        at(
            "${{ params.change }}",
            "rb.yaml:12:21: sql: $.steps[0].with.statements[0]: param 'change' is sql of kind"
                + " (none); this place needs kind dml"));
  }

  @Test
  void rejectsDefaultsThatAreNotValidValues() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          rows: { type: integer, default: ten }
          database: { type: string, enum: [platform, invoicing], default: billing }
          ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$', default: ops-1 }
          limit: { type: integer, minimum: 1, default: 0 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "ten",
            "rb.yaml:5:35: semantic: $.params.rows.default: default: expected an integer, got 'ten'"),
        at(
            "billing",
            "rb.yaml:6:67: semantic: $.params.database.default: default: must be one of:"
                + " 'platform', 'invoicing', got 'billing'"),
        at(
            "ops-1",
            "rb.yaml:7:64: semantic: $.params.ticket.default: default: 'ops-1' does not match"
                + " ^[A-Z]+-[0-9]+$"),
        at(
            "0",
            "rb.yaml:8:48: semantic: $.params.limit.default: default: must be at least 1, got 0"));
  }

  @Test
  void rejectsAnEnumValueOfTheWrongType() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          rows: { type: integer, enum: [1, two] }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "two",
            "rb.yaml:5:36: semantic: $.params.rows.enum[1]: enum value: expected an integer, got"
                + " 'two'"));
  }

  @Test
  void rejectsAMinimumAboveTheMaximum() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          rows: { type: integer, minimum: 10, maximum: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at("10", "rb.yaml:5:35: semantic: $.params.rows.minimum: minimum is greater than maximum"));
  }

  @Test
  void rejectsAPatternThatIsNotARegularExpression() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          ticket: { type: string, pattern: '^[A-Z+$' }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "'^[A-Z+$'",
            "rb.yaml:5:36: semantic: $.params.ticket.pattern: not a valid regular expression:"
                + " Unclosed character class"));
  }

  @Test
  void rejectsDeletingAnRdsInstanceTheRunDidNotCreate() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: drop
            uses: aws.rds.delete
            with: { instance: platform-stage }
        """,
        at(
            "platform-stage",
            "rb.yaml:8:23: semantic: $.steps[0].with.instance: aws.rds.delete may delete only an"
                + " instance this run created: use ${{ steps.<id>.outputs.instanceId }} of an"
                + " earlier aws.rds.restore-pitr step"));
  }

  /** Found by LoaderFuzzTest: an unknown step here threw NullPointerException. */
  @Test
  void rejectsDeletingAnInstanceOfAnUnknownStep() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: drop
            uses: aws.rds.delete
            with: { instance: "${{ steps.nope.outputs.instanceId }}" }
        """,
        at(
            "\"${{ steps.nope",
            "rb.yaml:8:23: semantic: $.steps[0].with.instance: aws.rds.delete may delete only an"
                + " instance this run created: use ${{ steps.<id>.outputs.instanceId }} of an"
                + " earlier aws.rds.restore-pitr step"),
        at(
            "${{ steps.nope",
            "rb.yaml:8:24: expression: $.steps[0].with.instance: unknown step 'nope'"));
  }

  @Test
  void rejectsASqlStepOnAnInstanceTheRunDidNotRestore() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: read
            uses: sql.query
            with: { database: platform, instance: platform-old, query: SELECT 1 }
        """,
        at(
            "platform-old",
            "rb.yaml:8:43: semantic: $.steps[0].with.instance: sql.query may read or change only"
                + " a restored copy this run created: use ${{ steps.<id>.outputs.instanceId }} of"
                + " an earlier aws.rds.restore-pitr step"));
  }

  @Test
  void rejectsStoppingAnInstanceTheRunDidNotStart() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: tunnel
            uses: ssh.tunnel
            with: { database: platform, localPort: 15432 }
          - id: stop
            uses: aws.ec2.stop
            with: { instance: "${{ steps.tunnel.outputs.host }}" }
        """,
        at(
            "\"${{ steps.tunnel",
            "rb.yaml:11:23: semantic: $.steps[1].with.instance: aws.ec2.stop may stop only an"
                + " instance this run started: use ${{ steps.<id>.outputs.instanceId }} of an"
                + " earlier aws.ec2.start step"));
  }

  @Test
  void rejectsRestoringFromATableTheRunDidNotBackUp() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: put
            uses: sql.restore
            with:
              database: platform
              backup: invoices_backup_2026
        """,
        at(
            "invoices_backup_2026",
            "rb.yaml:10:15: semantic: $.steps[0].with.backup: sql.restore may restore only from a"
                + " backup this run took: use ${{ steps.<id>.outputs.backupTable }} of an earlier"
                + " sql.backup or sql.change step"));
  }

  @Test
  void rejectsRestoringFromTheRowsOfAQuery() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: q
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
          - id: put
            uses: sql.restore
            with: { database: platform, backup: "${{ steps.q.outputs.rows }}" }
        """,
        at(
            "\"${{ steps.q",
            "rb.yaml:11:41: semantic: $.steps[1].with.backup: sql.restore may restore only from a"
                + " backup this run took: use ${{ steps.<id>.outputs.backupTable }} of an earlier"
                + " sql.backup or sql.change step"));
  }

  @Test
  void rejectsAPointInTimeRestoreOntoItsSource() {
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
              target: platform
              latest: true
        """,
        at(
            "platform",
            "rb.yaml:10:15: semantic: $.steps[0].with.target: restore target 'platform' is the"
                + " source: a point-in-time restore must create a NEW instance"));
  }

  @Test
  void rejectsTerminatingSessionsWithoutAnyInputs() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: kill
            uses: sql.terminate-sessions
        """,
        at("id: kill", "rb.yaml:6:5: schema: $.steps[0]: missing required key 'with'"),
        at(
            "id: kill",
            "rb.yaml:6:5: semantic: $.steps[0]: sql.terminate-sessions needs an approval: a"
                + " reviewer must see what it will do first"));
  }

  @Test
  void theLeaseEndCleanupOfTunnelSessionsNeedsNoApprovalEvenWithIndependentEnvironments() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: access, version: 1 }
        environments: [stage, prod]
        environmentOrder: independent
        steps:
          - id: end_sessions
            uses: sql.terminate-sessions
            with:
              database: platform
              tunnelSessions: true
              reason: the lease ended
        """);
  }

  @Test
  void tunnelSessionsIsNoWayAroundTheApprovalOfGivenSessions() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: kill
            uses: sql.terminate-sessions
            with:
              database: platform
              sessions: [4242]
              tunnelSessions: true
              reason: stuck migration
        """,
        at(
            "id: kill",
            "rb.yaml:6:5: semantic: $.steps[0]: sql.terminate-sessions needs an approval: a"
                + " reviewer must see what it will do first"),
        at(
            "with:",
            "rb.yaml:8:5: schema: $.steps[0].with: give exactly one of: sessions,"
                + " tunnelSessions"));
  }
}
