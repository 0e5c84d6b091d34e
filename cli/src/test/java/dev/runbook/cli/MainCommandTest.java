package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The top command: version, help of every command, and how bad command lines are refused. */
class MainCommandTest {
  /** Every command, in the order --help lists them. */
  static final List<String> COMMANDS =
      List.of(
          "validate",
          "plan",
          "iam-policy",
          "run",
          "approve",
          "reject",
          "status",
          "watch",
          "list",
          "cancel",
          "tunnel",
          "audit",
          "backups",
          "worker",
          "dev",
          "demo",
          "codec-server",
          "schema",
          "completion");

  @Test
  void theTopHelpListsEveryCommandInOrder() {
    List<String> listed =
        Cli.run("--help")
            .out()
            .lines()
            .filter(l -> l.matches("  [a-z-]+ +[A-Z].*"))
            .map(l -> l.strip().split(" ")[0])
            .toList();

    List<String> expected = new java.util.ArrayList<>(COMMANDS);
    expected.add("help");
    assertEquals(expected, listed);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--version", "-V"})
  void versionPrintsRunbookAndTheLanguageAndJavaVersions(String flag) {
    Cli.Result result = Cli.run(flag);

    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    List<String> lines = result.out().lines().toList();
    assertTrue(lines.get(0).startsWith("runbook "), lines.get(0));
    assertEquals("runbook language: runbook/v1, plan format: runbook-plan/v1", lines.get(1));
    assertEquals("Java " + Runtime.version(), lines.get(2));
    assertEquals(3, lines.size());
  }

  @Test
  void versionNamesTheGitRevisionTheJarWasBuiltFrom() throws Exception {
    String line = Cli.run("--version").out().lines().findFirst().orElseThrow();

    Process git =
        new ProcessBuilder("git", "-C", Cli.root().toString(), "rev-parse", "HEAD")
            .redirectErrorStream(true)
            .start();
    String head = new String(git.getInputStream().readAllBytes()).strip();
    if (git.waitFor() == 0) {
      java.util.regex.Matcher revision =
          java.util.regex.Pattern.compile(
                  "^runbook .+ \\(git ([0-9a-f]{7,40})(-dirty)? \\d{4}-\\d\\d-\\d\\dT[0-9:]{8}Z\\)$")
              .matcher(line);
      assertTrue(revision.matches(), line);
      assertTrue(head.startsWith(revision.group(1)), head + " vs " + line);
    } else {
      assertTrue(line.endsWith("(git revision unknown)"), line); // built outside a git checkout
    }
  }

  @Test
  void noArgumentsPrintsTheUsageAndExits0() {
    Cli.Result result = Cli.run();

    assertEquals(new Cli.Result(0, Cli.run("--help").out(), ""), result);
  }

  static List<Arguments> helpOfEveryCommand() {
    return List.of(
        Arguments.of(
            List.of("--help"),
            "Usage: runbook [-hV] [COMMAND]",
            List.of(
                "--help", "--version", "validate", "plan", "schema", "completion", "Exit codes")),
        Arguments.of(
            List.of("validate", "--help"),
            "Usage: runbook validate [-hV] [--format=<format>] [FILE|DIR...]",
            List.of("--format", "text, json", "FILE|DIR")),
        Arguments.of(
            List.of("plan", "--help"),
            "Usage: runbook plan [-hV] -e=ENV [--environments=DIR] [--format=<format>]",
            List.of("-e, --env=ENV", "-p, --param=NAME=VALUE", "--environments=DIR", "--format")),
        Arguments.of(
            List.of("run", "--help"),
            "Usage: runbook run [-hV] [--detach] [--address=HOST:PORT] -e=ENV",
            List.of(
                "-e, --env=ENV",
                "-p, --param=NAME=VALUE",
                "--ticket=TICKET",
                "--detach",
                "--address=HOST:PORT",
                "$TEMPORAL_ADDRESS, else",
                "127.0.0.1:7233",
                "--namespace=NAME",
                "$TEMPORAL_NAMESPACE",
                "$TEMPORAL_TLS_CERT",
                "$TEMPORAL_TLS_KEY",
                "$TEMPORAL_TLS_CA",
                "RUNBOOK_USER")),
        Arguments.of(
            List.of("approve", "--help"),
            "Usage: runbook approve [-hV] [--address=HOST:PORT] [--comment=TEXT]",
            List.of("--gate=GATE", "--comment=TEXT", "RUN", "four eyes")),
        Arguments.of(
            List.of("reject", "--help"),
            "Usage: runbook reject [-hV] [--address=HOST:PORT] [--gate=GATE]",
            List.of("--gate=GATE", "--reason=TEXT", "RUN")),
        Arguments.of(
            List.of("status", "--help"),
            "Usage: runbook status [-hV] [--address=HOST:PORT] [--format=<format>]",
            List.of("--format", "text, json", "RUN")),
        Arguments.of(
            List.of("watch", "--help"),
            "Usage: runbook watch [-hV] [--address=HOST:PORT] [--namespace=NAME]",
            List.of("RUN", "--address")),
        Arguments.of(
            List.of("list", "--help"),
            "Usage: runbook list [-hV] [--address=HOST:PORT] [--env=ENV] [--format=<format>]",
            List.of("--env=ENV", "--status=STATUS", "--runbook=NAME", "--limit=N")),
        Arguments.of(
            List.of("audit", "--help"),
            "Usage: runbook audit [-hV] [--list] [--no-plan] [--address=HOST:PORT]",
            List.of("RUN", "--format=<format>", "--out=FILE", "--since=AGE", "--audit-db-url")),
        Arguments.of(
            List.of("cancel", "--help"),
            "Usage: runbook cancel [-hV] [--address=HOST:PORT] [--namespace=NAME]",
            List.of("--reason=TEXT", "RUN")),
        Arguments.of(
            List.of("backups", "--help"),
            "Usage: runbook backups [-hV] [COMMAND]",
            List.of("list", "prune", "runbook_backups", "no Temporal")),
        Arguments.of(
            List.of("backups", "list", "--help"),
            "Usage: runbook backups list [-hV] [--database=NAME] [-e=ENV]",
            List.of("--older-than=AGE", "--format", "text, json", "--environments=DIR")),
        Arguments.of(
            List.of("backups", "prune", "--help"),
            "Usage: runbook backups prune [-hV] [--dry-run] [--yes] [--database=NAME] -e=ENV",
            List.of("--older-than=AGE", "--dry-run", "--yes", "at least 1h", "Temporal")),
        Arguments.of(
            List.of("worker", "--help"),
            "Usage: runbook worker [-hV] [--address=HOST:PORT]",
            List.of(
                "-e, --env=ENV",
                "SIGTERM",
                "dev.runbook.worker.WorkerMain",
                "--audit-db-url=JDBC_URL",
                "audit store")),
        Arguments.of(
            List.of("dev", "--help"),
            "Usage: runbook dev [-hV] [--no-postgres] [--environments=DIR] [--pg-data=DIR]",
            List.of(
                "--port=PORT",
                "--pg-port=PORT",
                "--pg-data=DIR",
                "--no-postgres",
                "127.0.0.1",
                "PostgreSQL",
                "local-secrets.json",
                "SQL steps")),
        Arguments.of(
            List.of("demo", "--help"),
            "Usage: runbook demo [-hV] [--runbook=FILE]",
            List.of("runbooks/emergency-data-fix.yaml", "four eyes", "promoted")),
        Arguments.of(
            List.of("schema", "--help"),
            "Usage: runbook schema [-hV] [--environment]",
            List.of("--environment")),
        Arguments.of(
            List.of("completion", "--help"),
            "Usage: runbook completion [-hV] [<shell>]",
            List.of("bash or zsh", "<shell>")),
        Arguments.of(
            List.of("help", "plan"),
            "Usage: runbook plan [-hV] -e=ENV [--environments=DIR] [--format=<format>]",
            List.of("-e, --env=ENV", "-p, --param=NAME=VALUE")),
        Arguments.of(
            List.of("help", "--help"),
            "Display help information about the specified command.",
            List.of("COMMAND")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("helpOfEveryCommand")
  void helpOfEveryCommandExits0AndShowsItsOptions(
      List<String> args, String firstLine, List<String> mentions) {
    Cli.Result result = Cli.run(args.toArray(String[]::new));

    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    assertEquals(firstLine, result.out().lines().findFirst().orElseThrow());
    for (String mention : mentions) {
      assertTrue(result.out().contains(mention), mention + " in:\n" + result.out());
    }
  }

  @Test
  void aMistypedSubcommandSuggestsTheRightOne() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Unmatched argument at index 0: 'valdate'
            Did you mean: runbook validate or runbook watch or runbook status?
            Try 'runbook --help' for usage.
            """),
        Cli.run("valdate"));
  }

  @Test
  void aMistypedOptionSuggestsTheRightOneWithoutAStackTrace() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Unknown option: '--formt'
            Possible solutions: --format
            Try 'runbook validate --help' for usage.
            """),
        Cli.run("validate", "--formt", "json"));
  }

  @Test
  void aMistypedOptionOfPlanSuggestsTheNearOnes() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Unknown options: '--enviroments', 'x'
            Possible solutions: --env, --environments
            Try 'runbook plan --help' for usage.
            """),
        Cli.run("plan", Cli.emergencyDataFix().toString(), "--env", "local", "--enviroments", "x"));
  }

  @Test
  void aMistypedTopLevelOptionSuggestsTheNearestOne() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Unknown option: '--verison'
            Possible solutions: --version
            Try 'runbook --help' for usage.
            """),
        Cli.run("--verison"));
  }

  @Test
  void aBadEnumValueListsTheAllowedOnes() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Invalid value for option '--format': expected one of [text, json] (case-sensitive) but was 'yaml'
            Try 'runbook validate --help' for usage.
            """),
        Cli.run("validate", "--format", "yaml"));
  }
}
