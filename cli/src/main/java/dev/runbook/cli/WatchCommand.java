package dev.runbook.cli;

import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code runbook watch}. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Follow a run live until it ends.",
      "%nPrints what the run did so far, then each step as it starts and finishes, each"
          + " gate with the command that approves it, the outcome and the undos, like `run`."
          + " Exit 0 when the run completes, 1 when it ends any other way."
    })
final class WatchCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
  String run;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    try (TemporalConnection connection = connect()) {
      return new Follower(new Runs(connection), out(), context(), flags(connection)).follow(run);
    }
  }
}
