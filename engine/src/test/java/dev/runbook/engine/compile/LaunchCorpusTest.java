package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertCompile;
import static dev.runbook.engine.compile.Corpus.at;
import static dev.runbook.engine.compile.Corpus.flag;
import static dev.runbook.engine.compile.Corpus.validEnvironment;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Valid runbooks that cannot be compiled for the environment or launch values asked for: the {@code
 * --env} flag, facts of the environment files, and {@code -p name=value} launch params.
 */
class LaunchCorpusTest {

  private static final ValidatedEnvironment STAGE =
      validEnvironment(
          "stage",
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: stage }
          provider: local
          taskQueue: runbook-stage
          databases:
            platform:
              engine: postgresql
              endpoint: 127.0.0.1
              port: 5432
              database: platform
              secretId: stage/platform
              rds: { instanceId: platform-stage }
          teams:
            db-leads: [alice, bob]
          """);

  private static final ValidatedEnvironment PROD =
      validEnvironment(
          "prod",
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: prod }
          provider: local
          taskQueue: runbook-prod
          databases:
            platform:
              engine: postgresql
              endpoint: 127.0.0.1
              port: 5432
              database: platform
              secretId: prod/platform
              rds: { instanceId: platform-prod }
          teams:
            db-leads: [alice, bob]
          """);

  private static final Map<String, ValidatedEnvironment> BOTH =
      Map.of("stage", STAGE, "prod", PROD);

  /** A runbook with one param of each type, and the launch values that compile it. */
  private static final String PARAMS_RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: fix, version: 1 }
      params:
        database: { type: string, enum: [platform, invoicing], description: Target database }
        expectRows: { type: integer, minimum: 1, maximum: 1000, required: true }
        ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$', required: true }
        change: { type: sql, kind: dml }
        bind: { type: map, default: {} }
        dryRun: { type: boolean, default: false }
        hold: { type: duration, default: 10m }
        restoreTo: { type: timestamp, default: '2026-11-21T08:00:00Z' }
        table: { type: identifier, default: invoices }
      environments: [stage]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: "${{ params.database }}"
            statements: ["${{ params.change }}"]
            bind: "${{ params.bind }}"
            expectRows: "${{ params.expectRows }}"
      """;

  private static Map<String, String> goodParams(String... overrides) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "platform");
    params.put("expectRows", "3");
    params.put("ticket", "OPS-1");
    params.put("change", "UPDATE invoices SET total = 0 WHERE id = :id");
    params.put("bind", "{\"id\": 7}");
    for (int i = 0; i < overrides.length; i += 2) {
      if (overrides[i + 1] == null) {
        params.remove(overrides[i]);
      } else {
        params.put(overrides[i], overrides[i + 1]);
      }
    }
    return params;
  }

  private static final String STAGE_THEN_PROD =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: fix, version: 1 }
      environments: [stage, prod]
      gates:
        promote:
          approvers: { group: db-leads }
      steps:
        - id: check
          uses: sql.query
          with: { database: platform, query: SELECT 1 }
      """;

  @Test
  void compilesTheParamsRunbookWithGoodValues() {
    assertCompile(PARAMS_RUNBOOK, BOTH, "stage", goodParams());
  }

  @Test
  void compilesTheTwoStageRunbookForProd() {
    assertCompile(STAGE_THEN_PROD, BOTH, "prod", Map.of());
  }

  // --env and environment files

  @Test
  void rejectsAMisspeltEnvironmentWithASuggestion() {
    assertCompile(
        STAGE_THEN_PROD,
        BOTH,
        "stag",
        Map.of(),
        flag(
            "rb.yaml: param: --env: no environment 'stag' (did you mean 'stage'?); known: prod, stage"));
  }

  @Test
  void rejectsAnEnvironmentTheRunbookDoesNotList() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        BOTH,
        "prod",
        Map.of(),
        flag("rb.yaml: param: --env: runbook 'fix' does not run in 'prod'; it lists: stage"));
  }

  @Test
  void rejectsATargetWhoseEarlierEnvironmentHasNoFile() {
    assertCompile(
        STAGE_THEN_PROD,
        Map.of("prod", PROD),
        "prod",
        Map.of(),
        flag(
            "rb.yaml: param: --env: 'prod' runs after 'stage', but there is no environment file"
                + " for 'stage'"));
  }

  @Test
  void rejectsAnApprovalTeamTheEnvironmentDoesNotDefine() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with:
              approvers: { group: dba-oncall }
        """,
        BOTH,
        "stage",
        Map.of(),
        at(
            "dba-oncall",
            "rb.yaml:9:27: semantic: $.steps[0].with.approvers.group: team 'dba-oncall' is not"
                + " defined in environment stage (stage.yaml)"));
  }

  @Test
  void rejectsAPromoteTeamTheNextEnvironmentDoesNotDefine() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage, prod]
        gates:
          promote:
            approvers: { group: db-team }
        steps:
          - id: check
            uses: sql.query
            with: { database: platform, query: SELECT 1 }
        """,
        BOTH,
        "prod",
        Map.of(),
        at(
            "db-team",
            "rb.yaml:7:25: semantic: $.gates.promote.approvers.group: team 'db-team' is not"
                + " defined in environment prod (prod.yaml)"));
  }

  @Test
  void rejectsAMinimumAboveTheTeamSize() {
    assertCompile(
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
              min: 3
        """,
        BOTH,
        "stage",
        Map.of(),
        at(
            "3",
            "rb.yaml:10:12: semantic: $.steps[0].with.min: min is 3 but only 2 approver(s) can"
                + " approve in stage"));
  }

  @Test
  void rejectsAMinimumAboveTheNamedUsers() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with:
              approvers: { users: [alice] }
              min: 2
        """,
        BOTH,
        "stage",
        Map.of(),
        at(
            "2",
            "rb.yaml:10:12: semantic: $.steps[0].with.min: min is 2 but only 1 approver(s) can"
                + " approve in stage"));
  }

  @Test
  void rejectsADatabaseTheEnvironmentDoesNotDefine() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: invoicing, query: SELECT 1 }
        """,
        BOTH,
        "stage",
        Map.of(),
        at(
            "invoicing",
            "rb.yaml:8:23: semantic: $.steps[0].with.database: database 'invoicing' is not defined"
                + " in environment stage; it has: platform"));
  }

  @Test
  void rejectsAMissingDatabaseOncePerEnvironmentOfTheRun() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        environments: [stage, prod]
        gates:
          promote:
            approvers: { group: db-leads }
        steps:
          - id: check
            uses: sql.query
            with: { database: invoicing, query: SELECT 1 }
        """,
        BOTH,
        "prod",
        Map.of(),
        at(
            "invoicing",
            "rb.yaml:11:23: semantic: $.steps[0].with.database: database 'invoicing' is not"
                + " defined in environment prod; it has: platform"),
        at(
            "invoicing",
            "rb.yaml:11:23: semantic: $.steps[0].with.database: database 'invoicing' is not"
                + " defined in environment stage; it has: platform"));
  }

  @Test
  void rejectsADatabaseFromAParamThatTheEnvironmentDoesNotDefine() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          database: { type: string }
        environments: [stage]
        steps:
          - id: check
            uses: sql.query
            with: { database: "${{ params.database }}", query: SELECT 1 }
        """,
        BOTH,
        "stage",
        Map.of("database", "invoicing"),
        at(
            "\"${{ params.database }}\"",
            "rb.yaml:10:23: semantic: $.steps[0].with.database: database 'invoicing' is not"
                + " defined in environment stage; it has: platform"));
  }

  @Test
  void rejectsARestoreOntoAnExistingRdsInstance() {
    assertCompile(
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
              target: platform-stage
              latest: true
        """,
        BOTH,
        "stage",
        Map.of(),
        at(
            "platform-stage",
            "rb.yaml:10:15: semantic: $.steps[0].with.target: restore target 'platform-stage' is"
                + " an existing database of stage: a point-in-time restore must create a NEW"
                + " instance"));
  }

  @Test
  void rejectsARestoreOntoAnExistingRdsInstanceNamedByAParam() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          target: { type: string }
        environments: [stage]
        steps:
          - id: restore
            uses: aws.rds.restore-pitr
            with:
              source: platform
              target: "${{ params.target }}"
              latest: true
        """,
        BOTH,
        "stage",
        Map.of("target", "PLATFORM-STAGE"),
        at(
            "\"${{ params.target }}\"",
            "rb.yaml:12:15: semantic: $.steps[0].with.target: restore target 'PLATFORM-STAGE' is"
                + " an existing database of stage: a point-in-time restore must create a NEW"
                + " instance"));
  }

  @Test
  void rejectsABindMapParamWithoutTheNamedValue() {
    assertCompile(
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: fix, version: 1 }
        params:
          bind: { type: map }
        environments: [stage]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["UPDATE invoices SET total = 0 WHERE id = :id"]
              bind: "${{ params.bind }}"
        """,
        BOTH,
        "stage",
        Map.of("bind", "{}"),
        flag("rb.yaml: param: -p bind: no value for :id, which the SQL of step fix uses"));
  }

  @Test
  void rejectsABindMapParamWithoutTheValueASqlParamNames() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("bind", "{}"),
        flag("rb.yaml: param: -p change: :id has no value in -p bind"));
  }

  // -p launch params

  @Test
  void rejectsAMisspeltParamWithASuggestion() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("tiket", "OPS-2"),
        flag(
            "rb.yaml: param: -p tiket: unknown param (did you mean 'ticket'?); it takes: database,"
                + " expectRows, ticket, change, bind, dryRun, hold, restoreTo, table"));
  }

  @Test
  void rejectsAParamForARunbookThatTakesNone() {
    assertCompile(
        STAGE_THEN_PROD,
        BOTH,
        "stage",
        Map.of("ticket", "OPS-1"),
        flag("rb.yaml: param: -p ticket: unknown param; this runbook takes none"));
  }

  @Test
  void rejectsAMissingRequiredParam() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("ticket", null),
        flag("rb.yaml: param: -p ticket: missing required param (string)"));
  }

  @Test
  void rejectsAMissingParamNamingItsDescription() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("database", null),
        flag("rb.yaml: param: -p database: missing required param (string: Target database)"));
  }

  @Test
  void rejectsWordsForAnInteger() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("expectRows", "three"),
        flag("rb.yaml: param: -p expectRows: expected an integer, got 'three'"));
  }

  @Test
  void rejectsAnIntegerAboveItsMaximum() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("expectRows", "5000"),
        flag("rb.yaml: param: -p expectRows: must be at most 1000, got 5000"));
  }

  @Test
  void rejectsYesForABoolean() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("dryRun", "yes"),
        flag("rb.yaml: param: -p dryRun: expected true or false, got 'yes'"));
  }

  @Test
  void rejectsAValueOutsideTheEnum() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("database", "billing"),
        flag(
            "rb.yaml: param: -p database: must be one of: 'platform', 'invoicing', got 'billing'"));
  }

  @Test
  void rejectsAValueNotMatchingThePattern() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("ticket", "ops-1"),
        flag("rb.yaml: param: -p ticket: 'ops-1' does not match ^[A-Z]+-[0-9]+$"));
  }

  @Test
  void rejectsASqlParamWithoutWhere() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("change", "DELETE FROM invoices"),
        flag("rb.yaml: param: -p change: DELETE without WHERE would delete every row of invoices"));
  }

  @Test
  void rejectsASelectForADmlParam() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("change", "SELECT 1"),
        flag(
            "rb.yaml: param: -p change: a change must be INSERT, UPDATE, DELETE or MERGE, found"
                + " SELECT"));
  }

  @Test
  void rejectsASqlParamWithASecondStatement() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("change", "UPDATE invoices SET total = 0 WHERE id = :id; COMMIT"),
        flag("rb.yaml: param: -p change: one statement per string, found 2"));
  }

  @Test
  void rejectsAMapThatIsNotJson() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("bind", "{id: 7}"),
        flag(
            "rb.yaml: param: -p bind: expected a JSON object such as {\"id\": 42}, got '{id: 7}'"));
  }

  @Test
  void rejectsAJsonListForAMap() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("bind", "[7]"),
        flag("rb.yaml: param: -p bind: expected a map of names to values, got [7]"));
  }

  @Test
  void rejectsANestedValueInAMap() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("bind", "{\"id\": [7]}"),
        flag("rb.yaml: param: -p bind: map value 'id' must be a single value, not a list or map"));
  }

  @Test
  void rejectsATimestampInWords() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("restoreTo", "yesterday"),
        flag(
            "rb.yaml: param: -p restoreTo: expected an RFC 3339 timestamp such as"
                + " 2026-11-21T08:00:00Z, got 'yesterday'"));
  }

  @Test
  void rejectsADurationInWords() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("hold", "10 minutes"),
        flag(
            "rb.yaml: param: -p hold: expected a duration such as 90s, 15m, 4h or 1h30m, got '10"
                + " minutes'"));
  }

  @Test
  void rejectsAnIdentifierCarryingSql() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("table", "invoices; drop"),
        flag(
            "rb.yaml: param: -p table: expected an SQL identifier such as invoices or"
                + " billing.invoices, got 'invoices; drop'"));
  }

  @Test
  void rejectsEveryBadParamOfOneLaunch() {
    assertCompile(
        PARAMS_RUNBOOK,
        BOTH,
        "stage",
        goodParams("expectRows", "0", "ticket", null, "dryRun", "TRUE"),
        flag("rb.yaml: param: -p dryRun: expected true or false, got 'TRUE'"),
        flag("rb.yaml: param: -p expectRows: must be at least 1, got 0"),
        flag("rb.yaml: param: -p ticket: missing required param (string)"));
  }
}
