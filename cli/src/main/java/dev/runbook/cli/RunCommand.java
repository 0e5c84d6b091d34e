package dev.runbook.cli;

import dev.runbook.engine.plan.Plan;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook run}: compile, start, follow. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Start a runbook in an environment and follow it.",
      "%nCompiles the runbook exactly like `plan`, starts the run on Temporal as you"
          + " (RUNBOOK_USER, else user@host), prints its id, then follows it: steps as they"
          + " start and finish, each gate with the command that approves it, the outcome and"
          + " the undos. Exit 0 when the run completes, 1 when it ends any other way."
          + " Ctrl-C stops following, not the run."
    })
final class RunCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "The runbook file.")
  Path file;

  @Option(
      names = {"-e", "--env"},
      required = true,
      paramLabel = "ENV",
      description = "Target environment; earlier environments of the runbook run first.")
  String env;

  @Option(
      names = {"-p", "--param"},
      paramLabel = "NAME=VALUE",
      description = "A runbook parameter; repeat for each (as for `plan`).")
  List<String> params = new ArrayList<>();

  @Option(
      names = "--ticket",
      paramLabel = "TICKET",
      description = "Ticket recorded with the run (default: the runbook's ticket param).")
  String ticket;

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description =
          "Directory of environment files (default: environments beside the runbook,"
              + " else runbooks/environments).")
  Path environmentsDir;

  @Option(
      names = "--detach",
      description = "Print the run id and return; follow later with `runbook watch`.")
  boolean detach;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    Plan plan = Compilation.compile("run", "started", file, env, params, environmentsDir, err());
    String runTicket = Launch.ticket(plan, ticket);
    try (TemporalConnection connection = connect()) {
      String id = Launch.start(connection.client(), plan, connection.identity(), runTicket);
      if (detach) {
        out().println(id);
        out().flush();
        return ExitCode.OK.code();
      }
      String flags = flags(connection);
      out().println("run " + id + ": " + Launch.summary(plan, runTicket));
      out()
          .println(
              "launched by "
                  + connection.identity()
                  + "; follow it anywhere: runbook watch "
                  + id
                  + flags);
      out().flush();
      return new Follower(new Runs(connection), out(), context(), flags).follow(id);
    }
  }
}
