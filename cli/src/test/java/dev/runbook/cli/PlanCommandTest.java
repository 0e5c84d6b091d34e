package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook plan}: the resolved plan a reviewer reads, or every problem with the launch at
 * once on stderr (exit 2, nothing on stdout).
 *
 * <p>The expected plans below pin the repository's emergency-data-fix.yaml (its sha256 and the plan
 * hash change with it): when the runbook changes on purpose, re-read the new output and paste it.
 */
class PlanCommandTest {
  @TempDir Path dir;

  private static String fixFile() {
    return Cli.emergencyDataFix().toString();
  }

  @Test
  void theEmergencyFixOnLocalIsOneRehearsalStageWithTheProdOnlySnapshotSkipped() {
    Cli.Result result = Cli.run(Cli.planFix("local"));

    String expected =
        """
        Runbook   emergency-data-fix v1 (file sha256 81f35e3eb9c6)
                  Apply one reviewed DML fix with a row-count bound, backup and verification, stage then prod
        Target    local
        Plan hash 701fa9c4128d059030b2f7020f073c630ed1395d2af229990f132b4a76ba9731
        Params
          database = platform
          change = UPDATE invoices SET status = 'void' WHERE id = :id
          bind = {"id":42}
          expectRows = 1
          verify = SELECT status FROM invoices WHERE id = :id
          ticket = OPS-1234

        Stage 1: local (task queue runbook-local, rehearsal)
          1. snapshot: Snapshot the database before changing it  [skipped: when is false]
              uses aws.rds.snapshot, timeout 6h, up to 3 attempt(s)
              database: platform
          2. fix: Apply the fix
              uses sql.change, timeout 10m, up to 3 attempt(s)
              database: platform
              statements:
                - UPDATE invoices SET status = 'void' WHERE id = :id
              bind: {"id":42}
              expectRows: 1
              verify: {"query":"SELECT status FROM invoices WHERE id = :id","bind":{"id":42}}
              backup: true
              approval before applying: team db-leads [alice, bob], 1 approval(s), timeout 4h then fail, self-approval allowed
                "OPS-1234: 1 row(s) on platform (local)"
              undo: sql.restore
                  database: platform
                  backup: ${{ steps.fix.outputs.backupTable }}

        Finally (always runs)
          1. notify: notify
              uses notify, timeout 1m, up to 3 attempt(s)
              text: emergency-data-fix OPS-1234 on platform (local): ${{ run.status }}
        """;
    assertEquals(new Cli.Result(0, expected, ""), result);
  }

  @Test
  void theEmergencyFixOnProdRunsStageFirstThenAPromoteGateThenProd() {
    Cli.Result result = Cli.run(Cli.planFix("prod"));

    String expected =
        """
        Runbook   emergency-data-fix v1 (file sha256 81f35e3eb9c6)
                  Apply one reviewed DML fix with a row-count bound, backup and verification, stage then prod
        Target    prod
        Plan hash 643f0b864e4d52cde76dcc16842cc6e4e48de1fc1b99c42e3759b8cb25bf19bd
        Params
          database = platform
          change = UPDATE invoices SET status = 'void' WHERE id = :id
          bind = {"id":42}
          expectRows = 1
          verify = SELECT status FROM invoices WHERE id = :id
          ticket = OPS-1234

        Stage 1: stage (task queue runbook-stage)
          1. snapshot: Snapshot the database before changing it  [skipped: when is false]
              uses aws.rds.snapshot, timeout 6h, up to 3 attempt(s)
              database: platform
          2. fix: Apply the fix
              uses sql.change, timeout 10m, up to 3 attempt(s)
              database: platform
              statements:
                - UPDATE invoices SET status = 'void' WHERE id = :id
              bind: {"id":42}
              expectRows: 1
              verify: {"query":"SELECT status FROM invoices WHERE id = :id","bind":{"id":42}}
              backup: true
              approval before applying: team db-leads [alice, bob], 1 approval(s), timeout 4h then fail
                "OPS-1234: 1 row(s) on platform (stage)"
              undo: sql.restore
                  database: platform
                  backup: ${{ steps.fix.outputs.backupTable }}

        Gate promote before prod: team db-team [alice, bob, carol, dave, erin], 1 approval(s), timeout 1d then fail
          "OPS-1234 went through stage; promote to the next environment?"

        Stage 2: prod (task queue runbook-prod)
          1. snapshot: Snapshot the database before changing it
              uses aws.rds.snapshot, timeout 6h, up to 3 attempt(s)
              database: platform
          2. fix: Apply the fix
              uses sql.change, timeout 10m, up to 3 attempt(s)
              database: platform
              statements:
                - UPDATE invoices SET status = 'void' WHERE id = :id
              bind: {"id":42}
              expectRows: 1
              verify: {"query":"SELECT status FROM invoices WHERE id = :id","bind":{"id":42}}
              backup: true
              approval before applying: team db-leads [alice, bob], 1 approval(s), timeout 4h then fail
                "OPS-1234: 1 row(s) on platform (prod)"
              undo: sql.restore
                  database: platform
                  backup: ${{ steps.fix.outputs.backupTable }}

        Finally (always runs)
          1. notify: notify
              uses notify, timeout 1m, up to 3 attempt(s)
              text: emergency-data-fix OPS-1234 on platform (prod): ${{ run.status }}
        """;
    assertEquals(new Cli.Result(0, expected, ""), result);
  }

  @Test
  void formatJsonIsThePlanTheWorkflowReceivesAndItsHashCoversIt() {
    Cli.Result result = Cli.run(Cli.planFix("prod", "--format", "json"));

    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    assertTrue(result.out().endsWith("}\n"), result.out());
    Plan plan = PlanJson.parse(result.out());
    assertEquals(PlanJson.hash(plan), plan.hash());
    assertEquals("prod", plan.target());
    assertEquals(Plan.FORMAT, plan.format());
    assertEquals(
        java.util.List.of("stage", "prod"),
        plan.stages().stream().map(s -> s.environment()).toList());
  }

  @Test
  void theJsonHashIsTheHashPrintedInTheText() {
    Plan plan = PlanJson.parse(Cli.run(Cli.planFix("local", "--format", "json")).out());
    String text = Cli.run(Cli.planFix("local")).out();

    assertTrue(text.contains("\nPlan hash " + plan.hash() + "\n"), text);
  }

  @Test
  void theSameCommandTwiceGivesTheSameHash() {
    Plan first = PlanJson.parse(Cli.run(Cli.planFix("prod", "--format", "json")).out());
    Plan second = PlanJson.parse(Cli.run(Cli.planFix("prod", "--format", "json")).out());

    assertEquals(first.hash(), second.hash());
    assertEquals(PlanJson.canonical(first), PlanJson.canonical(second));
  }

  @Test
  void changingOneParamChangesTheHash() {
    String[] args = Cli.planFix("prod", "--format", "json");
    Plan one = PlanJson.parse(Cli.run(args).out());
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("expectRows=1")) {
        args[i] = "expectRows=2";
      }
    }
    Plan two = PlanJson.parse(Cli.run(args).out());

    assertEquals(2, two.params().get("expectRows").asInt());
    assertNotEquals(one.hash(), two.hash());
  }

  @Test
  void anUnknownEnvironmentSuggestsTheNearestAndListsTheKnownOnes() {
    Cli.Result result = Cli.run(Cli.planFix("prd"));

    assertEquals(
        new Cli.Result(
            2,
            "",
            fixFile()
                + ": param: --env: no environment 'prd' (did you mean 'prod'?); known: local,"
                + " prod, stage\n"
                + "plan: 1 problem(s); nothing was planned\n"),
        result);
  }

  @Test
  void aMissingEnvIsPicocliRequiredOptionMessage() {
    Cli.Result result = Cli.run("plan", fixFile(), "-p", "ticket=OPS-1");

    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Missing required option: '--env=ENV'
            Try 'runbook plan --help' for usage.
            """),
        result);
  }

  @Test
  void aParamWithoutEqualsSignShowsTheExpectedShape() {
    Cli.Result result = Cli.run(Cli.planFix("local", "-p", "ticket"));

    assertEquals(
        new Cli.Result(2, "", "runbook: -p ticket: expected NAME=VALUE, e.g. -p ticket=OPS-123\n"),
        result);
  }

  @Test
  void aParamWithAnEmptyNameShowsTheExpectedShape() {
    Cli.Result result = Cli.run(Cli.planFix("local", "-p", "=OPS-1"));

    assertEquals(
        new Cli.Result(2, "", "runbook: -p =OPS-1: expected NAME=VALUE, e.g. -p ticket=OPS-123\n"),
        result);
  }

  @Test
  void aParamGivenTwiceIsRefusedEvenWithTheSameValue() {
    Cli.Result result = Cli.run(Cli.planFix("local", "-p", "ticket=OPS-1234"));

    assertEquals(new Cli.Result(2, "", "runbook: -p ticket: given more than once\n"), result);
  }

  @Test
  void anUnknownParamSuggestsTheNearestAndListsTheDeclaredOnes() {
    Cli.Result result = Cli.run(Cli.planFix("local", "-p", "tikcet=OPS-1"));

    assertEquals(
        new Cli.Result(
            2,
            "",
            fixFile()
                + ": param: -p tikcet: unknown param (did you mean 'ticket'?); it takes: database,"
                + " change, bind, expectRows, verify, ticket\n"
                + "plan: 1 problem(s); nothing was planned\n"),
        result);
  }

  @Test
  void everyMissingRequiredParamIsListedWithItsTypeAndDescription() {
    Cli.Result result = Cli.run("plan", fixFile(), "--env", "local");

    String expected =
        """
        {file}: param: -p change: missing required param (sql: The one UPDATE/DELETE/INSERT/MERGE statement; values as :name placeholders)
        {file}: param: -p database: missing required param (string: Target database)
        {file}: param: -p expectRows: missing required param (integer: Exact number of rows the change must touch)
        {file}: param: -p ticket: missing required param (string: Incident or change ticket, e.g. OPS-1234)
        {file}: param: -p verify: missing required param (sql: Query finding rows that are still wrong; must return no rows after the change)
        plan: 5 problem(s); nothing was planned
        """
            .replace("{file}", fixFile());
    assertEquals(new Cli.Result(2, "", expected), result);
  }

  @Test
  void badValuesAreAllReportedTogetherNamingTheFlag() {
    // database (enum) and expectRows (range) are left out: their messages do not show the value
    // given, see CliKnownBugsTest.
    Cli.Result result =
        Cli.run(
            "plan",
            fixFile(),
            "--env",
            "local",
            "-p",
            "database=platform",
            "-p",
            "ticket=ops-1",
            "-p",
            "expectRows=ten",
            "-p",
            "change=DELETE FROM invoices",
            "-p",
            "bind=notjson",
            "-p",
            "verify=UPDATE invoices SET status = 'void' WHERE id = 1");

    String expected =
        """
        {file}: param: -p bind: expected a JSON object such as {"id": 42}, got 'notjson'
        {file}: param: -p change: DELETE without WHERE would delete every row of invoices
        {file}: param: -p expectRows: expected an integer, got 'ten'
        {file}: param: -p ticket: 'ops-1' does not match ^[A-Z]+-[0-9]+$
        {file}: param: -p verify: a read-only query may not contain UPDATE
        plan: 5 problem(s); nothing was planned
        """
            .replace("{file}", fixFile());
    assertEquals(new Cli.Result(2, "", expected), result);
  }

  @Test
  void aMapParamMustBeAFlatJsonObject() {
    Cli.Result result =
        Cli.run(
            "plan",
            fixFile(),
            "--env",
            "local",
            "-p",
            "database=platform",
            "-p",
            "ticket=OPS-1",
            "-p",
            "expectRows=1",
            "-p",
            "change=UPDATE invoices SET status = 'void' WHERE id = :id; DELETE FROM invoices WHERE id = 1",
            "-p",
            "bind=[42]",
            "-p",
            "verify=SELECT status FROM invoices WHERE id = :id");

    String expected =
        """
        {file}: param: -p bind: expected a map of names to values, got [42]
        {file}: param: -p change: one statement per string, found 2
        plan: 2 problem(s); nothing was planned
        """
            .replace("{file}", fixFile());
    assertEquals(new Cli.Result(2, "", expected), result);
  }

  @Test
  void aRunbookFileThatDoesNotExistIsOneLine() {
    Path missing = dir.resolve("missing.yaml");

    Cli.Result result = Cli.run("plan", missing.toString(), "--env", "local");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: "
                + missing
                + ": no such file; `runbook validate` lists the runbooks under runbooks/\n"),
        result);
  }

  @Test
  void anInvalidRunbookIsNotPlannedAndItsProblemsGoToStderr() {
    Path runbook =
        Cli.write(
            dir.resolve("bad.yaml"),
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata:
              name: bad
              version: 1
            environments: [local]
            steps:
              - id: wipe
                uses: sql.change
                with:
                  database: platform
                  statements: ["DELETE FROM invoices"]
            """);

    Cli.Result result =
        Cli.run(
            "plan",
            runbook.toString(),
            "--env",
            "local",
            "--environments",
            Cli.runbooks().resolve("environments").toString());

    String expected =
        runbook
            + ":12:20: sql: $.steps[0].with.statements[0]: DELETE without WHERE would delete every"
            + " row of invoices\n"
            + "plan: 1 problem(s); nothing was planned\n";
    assertEquals(new Cli.Result(2, "", expected), result);
  }

  @Test
  void environmentsDirPointsAtCustomEnvironmentFiles() {
    Path envs = dir.resolve("envs");
    Cli.write(
        envs.resolve("qa.yaml"),
        Cli.read(Cli.runbooks().resolve("environments/local.yaml"))
            .replace("name: local", "name: qa")
            .replace("taskQueue: runbook-local", "taskQueue: runbook-qa"));

    Cli.Result result = Cli.run(Cli.planFix("qa", "--environments", envs.toString()));

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("", result.err());
    assertTrue(
        result.out().contains("\nTarget    qa\n")
            && result.out().contains("\nStage 1: qa (task queue runbook-qa, rehearsal)\n"),
        result.out());
  }

  @Test
  void environmentsDirReplacesTheDefaultOnesEntirely() {
    Path envs = dir.resolve("envs");
    Cli.copy(Cli.runbooks().resolve("environments/local.yaml"), envs.resolve("local.yaml"));

    Cli.Result result = Cli.run(Cli.planFix("prod", "--environments", envs.toString()));

    assertEquals(
        new Cli.Result(
            2,
            "",
            fixFile()
                + ": param: --env: no environment 'prod'; known: local\n"
                + "plan: 1 problem(s); nothing was planned\n"),
        result);
  }

  @Test
  void aBrokenEnvironmentFileStopsThePlanWithItsProblem() {
    Path envs = dir.resolve("envs");
    Path local =
        Cli.write(
            envs.resolve("local.yaml"),
            Cli.read(Cli.runbooks().resolve("environments/local.yaml"))
                .replace("taskQueue: runbook-local\n", ""));

    Cli.Result result = Cli.run(Cli.planFix("local", "--environments", envs.toString()));

    assertEquals(
        new Cli.Result(
            2,
            "",
            local
                + ":3:1: schema: $: missing required key 'taskQueue'\n"
                + "plan: 1 problem(s); nothing was planned\n"),
        result);
  }

  @Test
  void environmentsDirThatDoesNotExistNamesTheFlag() {
    Path missing = dir.resolve("nowhere");

    Cli.Result result = Cli.run(Cli.planFix("local", "--environments", missing.toString()));

    assertEquals(
        new Cli.Result(
            2,
            "",
            missing
                + ": param: --environments: no such directory\n"
                + "plan: 1 problem(s); nothing was planned\n"),
        result);
  }
}
