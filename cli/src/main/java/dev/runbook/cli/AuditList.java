package dev.runbook.cli;

import dev.runbook.worker.audit.AuditReader;
import java.util.ArrayList;
import java.util.List;

/** {@code runbook audit --list} as a Markdown table, for a manager's overview. */
final class AuditList {
  private AuditList() {}

  static String render(List<AuditReader.RunLine> runs, String since, String env) {
    List<String> l = new ArrayList<>();
    l.add(
        "# Runs started in the last "
            + since
            + (env == null ? "" : " for " + env)
            + " ("
            + runs.size()
            + ")");
    l.add("");
    if (runs.isEmpty()) {
      l.add("No runs.");
      return String.join("\n", l) + "\n";
    }
    l.add("| run | runbook | env | launched by | ticket | status | started | ended | decisions |");
    l.add("|---|---|---|---|---|---|---|---|---|");
    for (AuditReader.RunLine r : runs) {
      l.add(
          "| "
              + r.runId()
              + " | "
              + r.runbook()
              + " v"
              + r.version()
              + " | "
              + r.target()
              + " | "
              + r.launcher()
              + " | "
              + AuditMarkdown.blank(r.ticket())
              + " | "
              + r.status()
              + " | "
              + AuditMarkdown.time(r.startedAt())
              + " | "
              + AuditMarkdown.time(r.endedAt())
              + " | "
              + r.approvals()
              + " |");
    }
    return String.join("\n", l) + "\n";
  }
}
