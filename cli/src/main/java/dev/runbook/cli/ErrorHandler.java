package dev.runbook.cli;

import dev.runbook.worker.ConnectionFailedException;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
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
      if (known.getMessage() != null) {
        cli.getErr().println("runbook: " + known.getMessage());
      }
      return known.exitCode().code();
    }
    if (e instanceof ConnectionFailedException failed) {
      cli.getErr().println("runbook: " + failed.getMessage());
      return ExitCode.UNEXPECTED_STATE.code();
    }
    Optional<StatusRuntimeException> grpc = Temporal.grpcFailure(e);
    if (grpc.isPresent()) {
      cli.getErr().println("runbook: " + Temporal.describeFailure(grpc.get()));
      return ExitCode.UNEXPECTED_STATE.code();
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
