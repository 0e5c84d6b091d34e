package dev.runbook.cli;

import dev.runbook.engine.workflow.Decision;
import dev.runbook.worker.ConnectionOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook approve}. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Approve the open gate of a run.",
      "%nSends your approval (as RUNBOOK_USER, else user@host) bound to the plan hash the run"
          + " shows; the run checks who may approve (the gate's team, four eyes unless the"
          + " environment allows self-approval) and answers at once. Exit 0 when counted,"
          + " 2 with the reason when refused, 3 when the run has ended."
    })
final class ApproveCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
  String run;

  @Option(
      names = "--gate",
      paramLabel = "GATE",
      description = "The gate, e.g. stage/fix or promote@prod (default: the open one).")
  String gate;

  @Option(names = "--comment", paramLabel = "TEXT", description = "Recorded with the approval.")
  String comment;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    return Decide.send(this, run, gate, Decision.APPROVE, comment);
  }
}
