package dev.runbook.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns exceptions from commands into one line on stderr and an exit code. Only a bug prints its
 * stack trace, and only with {@code RUNBOOK_DEBUG=1}.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    if (e instanceof CliException known) {
      cli.getErr().println("runbook: " + known.getMessage());
      return known.exitCode().code();
    }
    cli.getErr()
        .println(
            "runbook: internal error ("
                + e.getClass().getSimpleName()
                + "); please report it with the command you ran. Set RUNBOOK_DEBUG=1 for details.");
    if ("1".equals(System.getenv("RUNBOOK_DEBUG"))) {
      e.printStackTrace(cli.getErr());
    }
    return ExitCode.INTERNAL.code();
  }
}
