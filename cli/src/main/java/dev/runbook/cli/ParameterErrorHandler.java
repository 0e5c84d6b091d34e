package dev.runbook.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** Bad flags or arguments: the message (naming the flag), a usage hint, exit code 2. */
final class ParameterErrorHandler implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    cli.getErr().println("runbook: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, cli.getErr());
    cli.getErr().println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.");
    return ExitCode.INVALID_INPUT.code();
  }
}
