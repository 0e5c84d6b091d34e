package dev.runbook.cli;

import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import dev.runbook.worker.codec.CodecConfigException;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A command that talks to Temporal: the shared connection flags and the context. */
abstract class ClientCommand {
  @Spec CommandSpec spec;

  /** {@link Main}, or the command this one is a subcommand of (e.g. {@code tunnel extend}). */
  @ParentCommand Object parent;

  /** The connection flags: a {@code @Mixin} declared last by each command, so they list last. */
  abstract ConnectionOptions connection();

  CliContext context() {
    return switch (parent) {
      case Main main -> main.context();
      case ClientCommand command -> command.context();
      case null, default -> CliContext.system();
    };
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Where to connect and as whom; exit 2 for bad flags. */
  TemporalTarget target() {
    TemporalTarget target;
    try {
      target = connection().target(context().env());
    } catch (CodecConfigException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    ConnectionOptions.problem(target)
        .ifPresent(
            problem -> {
              throw new CliException(ExitCode.INVALID_INPUT, problem);
            });
    return target;
  }

  /** Connects; a failure is one line and exit 3. */
  TemporalConnection connect() {
    return target().connect();
  }

  String flags(TemporalConnection connection) {
    return RunText.connectionFlags(connection.target());
  }
}
