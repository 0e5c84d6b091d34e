package dev.runbook.cli;

import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** Bad flags or arguments: the message (naming the flag), a usage hint, exit code 2. */
final class ParameterErrorHandler implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    // A mistyped option also leaves a required one "missing"; the typo is the real mistake.
    Optional<String> unknown =
        e instanceof MissingParameterException
            ? firstUnknownOption(cli.getCommandSpec(), args)
            : Optional.empty();
    cli.getErr()
        .println(
            "runbook: " + unknown.map(o -> "Unknown option: '" + o + "'").orElse(e.getMessage()));
    if (unknown.isEmpty()) {
      CommandLine.UnmatchedArgumentException.printSuggestions(e, cli.getErr());
    }
    cli.getErr().println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.");
    return ExitCode.INVALID_INPUT.code();
  }

  private static Optional<String> firstUnknownOption(CommandSpec spec, String[] args) {
    boolean valueExpected = false;
    for (String arg : args) {
      if (valueExpected) {
        valueExpected = false;
        continue;
      }
      if (arg.equals("--")) {
        return Optional.empty();
      }
      if (!arg.startsWith("-") || arg.length() < 2) {
        continue;
      }
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      OptionSpec option = find(spec, name);
      if (option == null && !arg.startsWith("--")) {
        option = find(spec, arg.substring(0, 2)); // short option with its value attached
        if (option != null) {
          continue;
        }
      }
      if (option == null) {
        return Optional.of(name);
      }
      valueExpected = option.arity().max() > 0 && !arg.contains("=");
    }
    return Optional.empty();
  }

  private static OptionSpec find(CommandSpec spec, String name) {
    OptionSpec option = spec.findOption(name);
    return option != null ? option : spec.root().findOption(name);
  }
}
