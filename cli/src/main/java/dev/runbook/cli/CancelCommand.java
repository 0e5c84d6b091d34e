package dev.runbook.cli;

import dev.runbook.engine.workflow.CancelRequest;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook cancel}. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Cancel a run: undos run newest first, then its finally steps.",
      "%nSends the cancel with your identity and reason, then follows the run to its end and"
          + " shows the undos. Exit 0 when it ended cancelled, 1 when it ended otherwise,"
          + " 3 when it had already ended."
    })
final class CancelCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
  String run;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why; recorded as the run's failure.")
  String reason;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    try (TemporalConnection connection = connect()) {
      Runs runs = new Runs(connection);
      Runs.Snapshot before = runs.snapshot(run);
      RunView view = before.view();
      if (before.closed() || view.status().isFinal()) {
        throw new CliException(
            ExitCode.UNEXPECTED_STATE,
            "run "
                + run
                + " has ended ("
                + (view == null ? before.temporalStatus() : view.status())
                + "); nothing to cancel");
      }
      runs.workflow(run).cancel(new CancelRequest(connection.identity(), reason));
      out().println("run " + run + ": cancel sent by " + connection.identity() + ": " + reason);
      out().flush();
      Follower follower = new Follower(runs, out(), context(), flags(connection));
      follower.skipHistory(view);
      int code = follower.follow(run);
      Runs.Snapshot after = runs.snapshot(run);
      return after.view() != null && after.view().status() == RunStatus.CANCELLED
          ? ExitCode.OK.code()
          : code == ExitCode.OK.code() ? ExitCode.FAILED.code() : code;
    }
  }
}
