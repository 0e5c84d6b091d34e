package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code runbook list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "List recent runs, newest first.",
      "%nFilters on the run's target environment, status and runbook. Uses a visibility query"
          + " where the server has them; on servers without (like `runbook dev`) it reads the"
          + " open and closed runs and filters them here."
    })
final class ListCommand extends ClientCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--env", paramLabel = "ENV", description = "Only runs targeting ENV.")
  String env;

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      description = "Only runs in this status, e.g. running, waiting_approval, completed.")
  String status;

  @Option(names = "--runbook", paramLabel = "NAME", description = "Only runs of this runbook.")
  String runbook;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "At most N runs (default: ${DEFAULT-VALUE}).")
  int limit;

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
    RunList.Filter filter = new RunList.Filter(env, runStatus(), runbook());
    if (limit < 1 || limit > RunList.MAX_LIMIT) {
      throw new CliException(
          ExitCode.INVALID_INPUT, "--limit " + limit + ": expected 1 to " + RunList.MAX_LIMIT);
    }
    try (TemporalConnection connection = connect()) {
      List<RunList.Row> rows = RunList.find(connection, filter, limit);
      if (format == OutputFormat.json) {
        ArrayNode array = JSON.createArrayNode();
        for (RunList.Row row : rows) {
          ObjectNode item = array.addObject();
          item.put("id", row.id());
          item.put("status", row.status());
          item.put("runbook", row.runbook());
          item.put("version", row.version());
          item.put("target", row.target());
          item.put("environment", row.environment());
          item.put("launcher", row.launcher());
          item.put("ticket", row.ticket());
          item.put("startedAt", RunText.time(row.started()));
        }
        out().println(DiagnosticPrinter.pretty(array));
      } else if (rows.isEmpty()) {
        out().println("no runs match");
      } else {
        table(rows).forEach(out()::println);
      }
      out().flush();
      return ExitCode.OK.code();
    }
  }

  private RunStatus runStatus() {
    if (status == null) {
      return null;
    }
    try {
      return RunStatus.valueOf(status.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (RunStatus s : RunStatus.values()) {
        names.add(s.name().toLowerCase(Locale.ROOT));
      }
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--status " + status + ": expected one of " + String.join(", ", names));
    }
  }

  private String runbook() {
    if (runbook != null && !runbook.matches("[a-z][a-z0-9-]{0,62}")) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--runbook " + runbook + ": not a runbook name (lowercase letters, digits, hyphens)");
    }
    return runbook;
  }

  static List<String> table(List<RunList.Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"RUN", "STATUS", "RUNBOOK", "TARGET", "LAUNCHER", "TICKET", "STARTED"});
    for (RunList.Row r : rows) {
      cells.add(
          new String[] {
            r.id(),
            r.status(),
            r.runbook() + " v" + r.version(),
            r.target(),
            r.launcher(),
            r.ticket().isEmpty() ? "-" : r.ticket(),
            RunText.time(r.started())
          });
    }
    int[] widths = new int[cells.get(0).length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (String[] row : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", row[i]));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }
}
