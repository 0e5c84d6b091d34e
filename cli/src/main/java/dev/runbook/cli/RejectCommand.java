package dev.runbook.cli;

import dev.runbook.engine.workflow.Decision;
import dev.runbook.worker.ConnectionOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook reject}. */
@Command(
    name = "reject",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Reject the open gate of a run; the run stops and its undos run.",
      "%nSends your rejection with its reason (as RUNBOOK_USER, else user@host). Exit 0 when"
          + " recorded, 2 with the reason when refused, 3 when the run has ended."
    })
final class RejectCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
  String run;

  @Option(
      names = "--gate",
      paramLabel = "GATE",
      description = "The gate, e.g. stage/fix or promote@prod (default: the open one).")
  String gate;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why; recorded and shown to the launcher.")
  String reason;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    return Decide.send(this, run, gate, Decision.REJECT, reason);
  }
}
