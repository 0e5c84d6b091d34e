package dev.runbook.cli;

import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.workflow.LeaseAnswer;
import dev.runbook.engine.workflow.LeaseRequest;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook tunnel extend RUN --by 30m}: the lease ends later, within its maximum. */
@Command(
    name = "extend",
    mixinStandardHelpOptions = true,
    description = {
      "Extend your lease of a db-access run (RUN as `runbook tunnel` printed it).",
      "%nThe lease ends that much later, at most at the environment's maximum (access.maxTtl"
          + " after it started). Only the lease's holder may extend it."
    })
final class TunnelExtendCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "The db-access run id.")
  String runId;

  @Option(
      names = "--by",
      required = true,
      paramLabel = "DURATION",
      description = "How much longer, e.g. 30m.")
  String by;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    Duration more =
        Durations.parse(by)
            .filter(d -> !d.isZero())
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "--by: expected a duration such as 30m or 1h, got '" + by + "'"));
    try (TemporalConnection temporal = connect()) {
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
      out()
          .println(
              "run "
                  + runId
                  + ": "
                  + answer.message()
                  + " (at most until "
                  + Instant.ofEpochMilli(answer.maxUntil())
                  + ")");
      out().flush();
      return ExitCode.OK.code();
    }
  }
}
