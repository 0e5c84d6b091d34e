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
            Did you mean: runbook validate?
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
