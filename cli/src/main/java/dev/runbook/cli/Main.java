package dev.runbook.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code runbook} command. */
@Command(
    name = "runbook",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Versioned YAML runbooks for production database procedures, compiled into durable,"
          + " auditable workflows with approvals, compensation and stage-then-prod ordering."
    },
    subcommands = {
      ValidateCommand.class,
      PlanCommand.class,
      SchemaCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 run failed, 2 invalid input (nothing started),",
      "3 unexpected state, 4 internal error."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(
        execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command with the given writers; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new ErrorHandler());
    cli.setParameterExceptionHandler(new ParameterErrorHandler());
    cli.setExitCodeExceptionMapper(e -> ExitCode.INTERNAL.code());
    return cli;
  }
}
