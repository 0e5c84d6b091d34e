package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edge cases of the command line: wrong kinds of files, typos, repeated paths, help layout. */
class CliEdgeCasesTest {
  @TempDir Path dir;

  @Test
  void planOfADirectorySaysItIsADirectory() {
    Path runbooks = Cli.runbooks();

    Cli.Result result = Cli.run("plan", runbooks.toString(), "--env", "local");

    assertEquals(
        new Cli.Result(
            2, "", "runbook: " + runbooks + ": is a directory; plan takes one runbook file\n"),
        result);
  }

  @Test
  void planOfAnEnvironmentFileSaysItIsNotARunbook() {
    Path prod = Cli.runbooks().resolve("environments/prod.yaml");

    Cli.Result result = Cli.run("plan", prod.toString(), "--env", "local");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: " + prod + ": is an environment file (kind: Environment), not a runbook\n"),
        result);
  }

  @Test
  void thePlanTextShowsThePromoteGateMessageReviewersApprove() {
    Cli.Result result = Cli.run(Cli.planFix("prod"));

    assertEquals(0, result.exitCode());
    assertTrue(
        result
            .out()
            .contains(
                """

                Gate promote before prod: team db-team [alice, bob, carol, dave, erin], 1 approval(s), timeout 1d then fail
                  "OPS-1234 went through stage; promote to the next environment?"

                Stage 2: prod\
                """),
        result.out());
  }

  @Test
  void aParamOutsideItsEnumOrRangeShowsTheValueGiven() {
    Cli.Result result =
        Cli.run(
            "plan",
            Cli.emergencyDataFix().toString(),
            "--env",
            "local",
            "-p",
            "database=platfrom",
            "-p",
            "ticket=OPS-1",
            "-p",
            "expectRows=5000",
            "-p",
            "change=UPDATE invoices SET status = 'void' WHERE id = :id",
            "-p",
            "verify=SELECT status FROM invoices WHERE id = :id");

    assertEquals(2, result.exitCode());
    List<String> lines = result.err().lines().toList();
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("-p database: ") && l.contains("'platfrom'")),
        result.err());
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("-p expectRows: ") && l.contains("5000")),
        result.err());
  }

  @Test
  void aBindMissingFromALaunchParamNamesTheParams() {
    Cli.Result result =
        Cli.run(
            "plan",
            Cli.emergencyDataFix().toString(),
            "--env",
            "local",
            "-p",
            "database=platform",
            "-p",
            "ticket=OPS-1",
            "-p",
            "expectRows=1",
            "-p",
            "change=UPDATE invoices SET status = 'void' WHERE id = :id",
            "-p",
            "bind={\"id\": 1}",
            "-p",
            "verify=SELECT status FROM invoices WHERE id = :missing");

    assertEquals(2, result.exitCode());
    String first = result.err().lines().findFirst().orElseThrow();
    assertTrue(first.contains("-p verify") && first.contains("-p bind"), first);
  }

  @Test
  void anUnknownOptionIsReportedBeforeMissingRequiredOnes() {
    Cli.Result result = Cli.run("plan", "--bogus", Cli.emergencyDataFix().toString());

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("runbook: Unknown option: '--bogus'\n"), result.err());
  }

  @Test
  void validateChecksEachFileOnce() {
    Path snapshot = Cli.runbooks().resolve("snapshot.yaml");

    assertEquals(
        new Cli.Result(0, "checked 1 file(s): no problems\n", ""),
        Cli.run("validate", snapshot.toString(), snapshot.toString()));
  }

  @Test
  void helpTextFitsEightyColumnsAndSummariesAreWholeSentences() {
    List<String> problems = new ArrayList<>();
    List<String> commands = MainCommandTest.COMMANDS;
    List<String[]> helps = new ArrayList<>();
    helps.add(new String[] {"--help"});
    commands.forEach(command -> helps.add(new String[] {command, "--help"}));
    helps.add(new String[] {"backups", "list", "--help"});
    helps.add(new String[] {"backups", "prune", "--help"});
    for (String[] args : helps) {
      for (String line : Cli.run(args).out().lines().toList()) {
        if (line.length() > 80) {
          problems.add(String.join(" ", args) + ": line over 80 columns '" + line + "'");
        }
      }
    }
    String top = Cli.run("--help").out();
    for (String command : commands) {
      String entry =
          top.lines().filter(l -> l.startsWith("  " + command + " ")).findFirst().orElseThrow();
      if (!entry.strip().endsWith(".")) {
        problems.add("--help: summary of " + command + " is cut: '" + entry.strip() + "'");
      }
    }
    for (String command : List.of("plan", "run", "worker", "dev")) {
      if (!Cli.run(command, "--help").out().contains("runbooks/environments")) {
        problems.add(command + " --help: the default environments directory is not named");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void thePackagedCliPrintsItsVersion() throws Exception {
    Path out = dir.resolve("out.txt");
    Process process =
        new ProcessBuilder("./runbook", "--version")
            .directory(Cli.root().toFile())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES));

    String first = Cli.read(out).lines().findFirst().orElseThrow();
    assertTrue(
        first.matches(
            "runbook \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\((git [0-9a-f]{7,40}(-dirty)? \\S+|git revision unknown)\\)"),
        first);
  }
}
