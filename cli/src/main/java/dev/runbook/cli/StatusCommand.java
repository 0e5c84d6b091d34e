package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook status}. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Show where a run stands.",
      "%nThe current environment and step, open gates with what they show and the approvals"
          + " so far, every step with its outcome and duration, the undos and the failure."
          + " JSON holds the same, as the workflow reports it."
    })
final class StatusCommand extends ClientCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
  String run;

  @Option(
      names = {"--format", "--output"},
      defaultValue = "text",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json is for"
              + " scripts.")
  OutputFormat format;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    try (TemporalConnection connection = connect()) {
      Runs.Snapshot snapshot = new Runs(connection).snapshot(run);
      if (format == OutputFormat.json) {
        out().println(DiagnosticPrinter.pretty(json(snapshot)));
      } else {
        RunText.status(snapshot, flags(connection)).forEach(out()::println);
      }
      out().flush();
      return ExitCode.OK.code();
    }
  }

  static ObjectNode json(Runs.Snapshot snapshot) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", snapshot.id());
    root.put("temporalStatus", snapshot.temporalStatus());
    root.put("startedAt", RunText.time(snapshot.started()));
    if (snapshot.closed()) {
      root.put("closedAt", RunText.time(snapshot.description().getCloseTime()));
    }
    if (snapshot.view() != null) {
      root.setAll((ObjectNode) JSON.valueToTree(snapshot.view()));
    }
    return root;
  }
}
