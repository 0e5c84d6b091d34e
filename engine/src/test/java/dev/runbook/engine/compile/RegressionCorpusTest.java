package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertCompile;
import static dev.runbook.engine.compile.Corpus.assertEnvironment;
import static dev.runbook.engine.compile.Corpus.assertRunbook;
import static dev.runbook.engine.compile.Corpus.at;
import static dev.runbook.engine.compile.Corpus.flag;
import static dev.runbook.engine.compile.Corpus.validEnvironment;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Broken inputs whose diagnostics were once wrong (position, duplicate, missing or misleading
 * message). Each test asserts the output the engine gives now; the comment above each test records
 * what it printed before the fix, so a regression is recognisable.
 */
class RegressionCorpusTest {

  // --- syntax --------------------------------------------------------------------------------

  /**
   * Before the fix: {@code rb.yaml:1:1: syntax: $: Non scalar key is detected but it is not
   * configured to be allowed.} (SnakeYAML throws before the loader's own check runs).
   */
  @Test
  void rejectsAListAsAKeyWhereItStands() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        ? [a, b]
        : value
        """,
        at("[a, b]", "rb.yaml:3:3: syntax: $: mapping keys must be plain text"));
  }

  /**
   * Before the fix: {@code rb.yaml:1:1: syntax: $: Non scalar key is detected but it is not
   * configured to be allowed.}
   */
  @Test
  void rejectsAMapAsAKeyWhereItStands() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        { a: 1 }: x
        """,
        at("{ a: 1 }", "rb.yaml:2:1: syntax: $: mapping keys must be plain text"));
  }

  /** Today: {@code rb.yaml:5:1: ...}, the end of the file, where there is nothing to see. */
  @Test
  void rejectsAnUnclosedQuoteAtTheOpeningQuote() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: "fix, version: 1 }
        environments: [stage]
        """,
        at(
            "\"fix",
            "rb.yaml:3:19: syntax: $: while scanning a quoted scalar: found unexpected end of"
                + " stream"));
  }

  /** Today: {@code rb.yaml:6:1: ...}, the end of the file. */
  @Test
  void rejectsAnUnclosedQuoteInABlockAtTheOpeningQuote() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        steps:
          - id: "check
            uses: sql.query
        """,
        at(
            "\"check",
            "rb.yaml:4:9: syntax: $: while scanning a quoted scalar: found unexpected end of"
                + " stream"));
  }

  /** Today: {@code rb.yaml:4:1: ...}, the content of the second document, not its separator. */
  @Test
  void rejectsASecondDocumentAtItsSeparator() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        ---
        apiVersion: runbook/v1
        """,
        at("---", "rb.yaml:3:1: syntax: $: one document per file, found more"));
  }

  /** Today: {@code rb.yaml:3:1: ...}, past the end of the text. */
  @Test
  void rejectsATrailingSeparatorWhereItStands() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        ---
        """,
        at("---", "rb.yaml:2:1: syntax: $: one document per file, found more"));
  }

  /** Today: {@code rb.yaml:2:1: schema: $: expected a map, got null}, past the end of the text. */
  @Test
  void rejectsAFileWithOnlyASeparatorAsEmpty() {
    assertRunbook(
        """
        ---
        """,
        at("---", "rb.yaml:1:1: syntax: $: the file is empty"));
  }

  // --- schema: "exactly one of" --------------------------------------------------------------

  /**
   * Before the fix two diagnostics, the first misleading ({@code latest: true} would do as well):
   *
   * <pre>
   * rb.yaml:8:5: schema: $.steps[0].with: missing required key 'time'
   * rb.yaml:9:7: schema: $.steps[0].with: give exactly one of: time, latest
   * </pre>
   */
  @Test
  void rejectsARestoreWithNeitherTimeNorLatestOnce() {
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
        """,
        at("with", "rb.yaml:8:5: schema: $.steps[0].with: give exactly one of: time, latest"));
  }

  /**
   * Before the fix: {@code rb.yaml:9:7: ... give exactly one of: time, latest}, at {@code source},
   * the first key of the map, which has nothing to do with it; "missing required key" is reported
   * at the key naming the map, and so should this be.
   */
  @Test
  void rejectsARestoreWithBothTimeAndLatestAtItsInputs() {
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
              time: 2026-11-21T08:00:00Z
              latest: true
        """,
        at("with", "rb.yaml:8:5: schema: $.steps[0].with: give exactly one of: time, latest"));
  }

  /** Today: {@code rb.yaml:9:18: ...}, at the opening brace rather than the key. */
  @Test
  void rejectsApproversWithBothGroupAndUsersAtTheKey() {
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
              approvers: { group: db-leads, users: [alice] }
        """,
        at(
            "approvers",
            "rb.yaml:9:7: schema: $.steps[0].with.approvers: give exactly one of: group, users"));
  }

  /**
   * Before the fix:
   *
   * <pre>
   * rb.yaml:9:7: schema: $.steps[0].with.approvers: missing required key 'group'
   * rb.yaml:9:18: schema: $.steps[0].with.approvers: give exactly one of: group, users
   * </pre>
   */
  @Test
  void rejectsApproversWithNeitherGroupNorUsersOnce() {
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
              approvers: {}
        """,
        at(
            "approvers",
            "rb.yaml:9:7: schema: $.steps[0].with.approvers: give exactly one of: group, users"));
  }

  /** Today: {@code rb.yaml:8:11: ...}, at the opening brace rather than the key. */
  @Test
  void rejectsASecretWithBothIdAndDatabaseAtTheKey() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: secret
            uses: aws.secrets.get
            with: { secretId: stage/platform, database: platform }
        """,
        at(
            "with",
            "rb.yaml:8:5: schema: $.steps[0].with: give exactly one of: secretId, database"));
  }

  /** Today: {@code stage.yaml:7:3: ...}, at {@code instanceId}, the first key of the jump box. */
  @Test
  void rejectsAJumpBoxWithBothHostKeyAndKnownHostsFileAtTheKey() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        jumpBox:
          instanceId: i-0a1b2c3d4e5f60718
          securityGroupId: sg-0123456789abcdef0
          host: jump.stage.example.internal
          sshUser: ec2-user
          hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOT2TJMefUVvGxdudiVYriomaEz0kj
          knownHostsFile: ~/.ssh/known_hosts
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at(
            "jumpBox",
            "stage.yaml:6:1: schema: $.jumpBox: give exactly one of: hostKey, knownHostsFile"));
  }

  /**
   * Before the fix:
   *
   * <pre>
   * stage.yaml:6:1: schema: $.jumpBox: missing required key 'hostKey'
   * stage.yaml:7:3: schema: $.jumpBox: give exactly one of: hostKey, knownHostsFile
   * </pre>
   */
  @Test
  void rejectsAJumpBoxWithNeitherHostKeyNorKnownHostsFileOnce() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        jumpBox:
          instanceId: i-0a1b2c3d4e5f60718
          securityGroupId: sg-0123456789abcdef0
          host: jump.stage.example.internal
          sshUser: ec2-user
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at(
            "jumpBox",
            "stage.yaml:6:1: schema: $.jumpBox: give exactly one of: hostKey, knownHostsFile"));
  }

  /** Today: {@code stage.yaml:8:10: ...}, at the opening brace rather than the key. */
  @Test
  void rejectsRdsWithBothInstanceAndClusterAtTheKey() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform:
            rds: { instanceId: platform-stage, clusterId: platform }
            engine: postgresql
            endpoint: 127.0.0.1
            port: 5432
            database: platform
            secretId: stage/platform
        """,
        at(
            "rds",
            "stage.yaml:8:5: schema: $.databases.platform.rds: give exactly one of: instanceId,"
                + " clusterId"));
  }

  // --- schema: names of map keys -------------------------------------------------------------

  /**
   * Before the fix, at the {@code params} key and in the validator library's words: {@code
   * rb.yaml:4:1: schema: $.params: invalid name: property 'expect-rows' name is not valid: does not
   * match the regex pattern ^[a-z][a-zA-Z0-9_]{0,62}$}.
   */
  @Test
  void rejectsAParamNameWithAHyphenAtTheName() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          expect-rows: { type: integer }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "expect-rows",
            "rb.yaml:5:3: schema: $.params.expect-rows: invalid name 'expect-rows': expected an id"
                + " of letters, digits and _ starting with a lowercase letter"));
  }

  /**
   * Before the fix: {@code stage.yaml:6:1: schema: $.databases: invalid name: property
   * 'platform-db' name is not valid: does not match the regex pattern ^[a-z][a-zA-Z0-9_]{0,62}$}.
   */
  @Test
  void rejectsADatabaseNameWithAHyphenAtTheName() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform-db: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at(
            "platform-db",
            "stage.yaml:7:3: schema: $.databases.platform-db: invalid name 'platform-db': expected"
                + " an id of letters, digits and _ starting with a lowercase letter"));
  }

  /**
   * Before the fix the validator library's raw text: {@code stage.yaml:6:12: schema: $.databases:
   * must have at least 1 properties} (the formatter words minItems as "needs at least 1 item(s)").
   */
  @Test
  void rejectsAnEnvironmentWithoutDatabasesInPlainWords() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases: {}
        """,
        at("{}", "stage.yaml:6:12: schema: $.databases: needs at least 1 entry"));
  }

  // --- duplicates ------------------------------------------------------------------------------

  /**
   * Before the fix the schema and the step rules both report it, and the second claims true/false
   * are allowed, which the schema refuses:
   *
   * <pre>
   * rb.yaml:8:11: schema: $.steps[0].when: expected a ${{ }} expression, got 'env.name == 'prod''
   * rb.yaml:8:11: expression: $.steps[0].when: when must be true, false or a ${{ }} expression, got 'env.name == 'prod''
   * </pre>
   */
  @Test
  void rejectsAPlainTextConditionOnce() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            when: env.name == 'prod'
            with: { database: platform, query: SELECT 1 }
        """,
        at(
            "env.name",
            "rb.yaml:8:11: schema: $.steps[0].when: expected a ${{ }} expression, got 'env.name =="
                + " 'prod''"));
  }

  /**
   * Before the fix the schema and the SQL guard both report it:
   *
   * <pre>
   * rb.yaml:11:11: schema: $.steps[0].with.statements[0]: must not be empty
   * rb.yaml:11:11: sql: $.steps[0].with.statements[0]: SQL is empty
   * </pre>
   */
  @Test
  void rejectsAnEmptyStatementOnce() {
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
                - ""
        """,
        at("\"\"", "rb.yaml:11:11: schema: $.steps[0].with.statements[0]: must not be empty"));
  }

  /**
   * Before the fix the cycle is reported, and its forward edge again, although ReferenceRules means
   * to report cycle edges once ({@code inCycle} only sees edges already collected):
   *
   * <pre>
   * rb.yaml:6:5: semantic: $.steps[0]: reference cycle: a -> b -> a
   * rb.yaml:8:20: expression: $.steps[0].with.text: step 'b' runs after 'a': a step can only use outputs of earlier steps
   * </pre>
   */
  @Test
  void rejectsAReferenceCycleOnce() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: a
            uses: notify
            with: { text: "${{ steps.b.outputs.delivered }}" }
          - id: b
            uses: notify
            with: { text: "${{ steps.a.outputs.delivered }}" }
        """,
        at("id: a", "rb.yaml:6:5: semantic: $.steps[0]: reference cycle: a -> b -> a"));
  }

  /** Today also {@code rb.yaml:8:20: expression: ... step 'c' runs after 'a': ...}. */
  @Test
  void rejectsAThreeStepReferenceCycleOnce() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: a
            uses: notify
            with: { text: "${{ steps.c.outputs.delivered }}" }
          - id: b
            uses: notify
            with: { text: "${{ steps.a.outputs.delivered }}" }
          - id: c
            uses: notify
            with: { text: "${{ steps.b.outputs.delivered }}" }
        """,
        at("id: a", "rb.yaml:6:5: semantic: $.steps[0]: reference cycle: a -> c -> b -> a"));
  }

  // --- valid input refused -----------------------------------------------------------------------

  /**
   * docs/runbook-language.md lists {@code run.ticket} among the run fields; today: {@code
   * rb.yaml:8:20: expression: $.steps[0].with.text: unknown field 'run.ticket'} (Scopes.RUN_FIELDS
   * lacks it).
   */
  @Test
  void acceptsTheDocumentedRunTicket() {
    assertRunbook(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: note
            uses: notify
            with: { text: "${{ run.ticket }}" }
        """);
  }

  /**
   * docs/runbook-language.md: "{@code required: false} without a {@code default} makes it
   * optional"; today the launch fails with {@code rb.yaml: param: -p table: missing required param
   * (identifier)} (ParamBinder ignores {@code ParamSpec.required()}).
   */
  @Test
  void acceptsALaunchWithoutAnOptionalParam() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          table: { type: identifier, required: false }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        Map.of("stage", stage()),
        "stage",
        Map.of());
  }

  /** The same optional param, still checked when it is given. */
  @Test
  void rejectsABadValueOfAnOptionalParam() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          table: { type: identifier, required: false }
          rows: { type: integer, required: false }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        Map.of("stage", stage()),
        "stage",
        Map.of("table", "1nvoices"),
        flag(
            "rb.yaml: param: -p table: expected an SQL identifier such as invoices or"
                + " billing.invoices, got '1nvoices'"));
  }

  private static ValidatedEnvironment stage() {
    return validEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """);
  }
}
