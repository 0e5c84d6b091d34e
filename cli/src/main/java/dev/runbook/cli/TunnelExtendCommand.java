package dev.runbook.cli;

import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.workflow.LeaseAnswer;
import dev.runbook.engine.workflow.LeaseRequest;
import dev.runbook.worker.TemporalConnection;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code runbook tunnel extend RUN --by 30m}: the lease ends later, within its maximum. Parsed by
 * {@link TunnelCommand} (picocli reads {@code extend} as the ENV positional, so {@code tunnel}
 * dispatches it itself).
 */
final class TunnelExtendCommand {
  private TunnelExtendCommand() {}

  static int extend(TunnelCommand command, String runId, String by) {
    if (runId == null) {
      throw new CliException(ExitCode.INVALID_INPUT, "usage: runbook tunnel extend RUN --by 30m");
    }
    if (by == null) {
      throw new CliException(ExitCode.INVALID_INPUT, "tunnel extend needs --by, e.g. --by 30m");
    }
    Duration more =
        Durations.parse(by)
            .filter(d -> !d.isZero())
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "--by: expected a duration such as 30m or 1h, got '" + by + "'"));
    try (TemporalConnection temporal = command.connect()) {
      Runs runs = new Runs(temporal);
      runs.require(runId);
      LeaseAnswer answer;
      try {
        answer =
            runs.workflow(runId)
                .lease(
                    new LeaseRequest(
                        LeaseRequest.Action.EXTEND, temporal.identity(), more.toMillis()));
      } catch (WorkflowUpdateException e) {
        throw new CliException(ExitCode.INVALID_INPUT, "refused: " + Temporal.refusal(e));
      }
      command
          .out()
          .println(
              "run "
                  + runId
                  + ": "
                  + answer.message()
                  + " (at most until "
                  + Instant.ofEpochMilli(answer.maxUntil())
                  + ")");
      command.out().flush();
      return ExitCode.OK.code();
    }
  }
}
