package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.audit.StepEffects;
import dev.runbook.worker.audit.RunAudit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The audit report as Markdown: for a ticket, a wiki page or a terminal. */
final class AuditMarkdown {
  private AuditMarkdown() {}

  static String render(RunAudit run) {
    return render(run, true);
  }

  /** With or without the plan's JSON (its hash is always shown). */
  static String render(RunAudit run, boolean withPlan) {
    List<String> l = new ArrayList<>();
    l.add("# Audit of run " + run.runId());
    l.add("");
    l.add("| | |");
    l.add("|---|---|");
    row(
        l,
        "Runbook",
        run.runbook() + " v" + run.version() + " (file sha256 `" + run.sha256() + "`)");
    row(l, "Environment", run.target() + reached(run));
    row(l, "Launched by", run.launcher());
    row(l, "Ticket", blank(run.ticket()));
    row(l, "Status", "**" + run.status() + "**");
    row(l, "Started", time(run.startedAt()));
    row(l, "Ended", time(run.endedAt()));
    row(l, "Plan hash", "`" + run.planHash() + "`");
    row(l, "Read from", source(run));
    if (!run.failure().isEmpty()) {
      row(l, "Why it did not complete", run.failure());
    }
    if (!run.note().isEmpty()) {
      row(l, "Note", run.note());
    }
    l.add("");
    l.add("## Parameters");
    l.add("");
    l.add("| name | value |");
    l.add("|---|---|");
    for (Iterator<Map.Entry<String, JsonNode>> it = run.params().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      row(
          l,
          "`" + e.getKey() + "`",
          code(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
    }
    l.add("");
    l.add("## Steps");
    l.add("");
    l.add("| # | env | step | type | outcome | started | finished | summary |");
    l.add("|---|---|---|---|---|---|---|---|");
    for (RunAudit.Step s : run.steps()) {
      l.add(
          "| "
              + (s.seq() + 1)
              + " | "
              + s.environment()
              + " | "
              + cell(s.stepId() + (s.name().equals(s.stepId()) ? "" : " (" + s.name() + ")"))
              + " | "
              + s.uses()
              + " | "
              + s.outcome()
              + " | "
              + time(s.startedAt())
              + " | "
              + time(s.finishedAt())
              + " | "
              + cell(s.summary())
              + " |");
    }
    l.add("");
    l.add("## SQL executed");
    l.add("");
    List<String[]> sql = new ArrayList<>();
    for (RunAudit.Step s : run.steps()) {
      for (StepEffects.Sql q : s.sql()) {
        sql.add(
            new String[] {
              s.environment() + "/" + s.stepId(), q.phase(), q.database(), rows(q.rows()), q.sql()
            });
      }
    }
    if (sql.isEmpty()) {
      l.add("No SQL ran.");
    } else {
      l.add("| step | phase | database | rows | SQL |");
      l.add("|---|---|---|---|---|");
      for (String[] q : sql) {
        l.add("| " + q[0] + " | " + q[1] + " | " + q[2] + " | " + q[3] + " | " + code(q[4]) + " |");
      }
      l.add("");
      l.add("A preview ran in a transaction that was rolled back; bind values are [redacted].");
    }
    l.add("");
    l.add("## Approvals and refusals");
    l.add("");
    if (run.approvals().isEmpty() && run.refusals().isEmpty()) {
      l.add("No decisions.");
    } else {
      l.add("| gate | who | decision | comment | at | plan hash |");
      l.add("|---|---|---|---|---|---|");
      for (RunAudit.Approval a : run.approvals()) {
        l.add(
            "| "
                + a.gate()
                + " | "
                + cell(a.approver())
                + " | "
                + a.decision()
                + " | "
                + cell(blank(a.comment()))
                + " | "
                + time(a.at())
                + " | `"
                + shortHash(a.planHash())
                + "` |");
      }
      for (RunAudit.Refusal r : run.refusals()) {
        l.add("| | " + cell(r.text()) + " | REFUSED | | " + time(r.at()) + " | |");
      }
    }
    l.add("");
    l.add("## Undos");
    l.add("");
    if (run.compensations().isEmpty()) {
      l.add("No undo ran.");
    } else {
      l.add("| env | undo of | type | outcome | message |");
      l.add("|---|---|---|---|---|");
      for (RunAudit.Compensation c : run.compensations()) {
        l.add(
            "| "
                + c.environment()
                + " | "
                + c.forStep()
                + " | "
                + c.uses()
                + " | "
                + c.outcome()
                + " | "
                + cell(c.message())
                + " |");
      }
    }
    l.add("");
    l.add("## Resources created");
    l.add("");
    List<RunAudit.ResourceFate> fates = run.resourceFates();
    if (fates.isEmpty()) {
      l.add("The run created no snapshot, backup, instance or access rule.");
    } else {
      l.add("| kind | id | created by | cleaned up |");
      l.add("|---|---|---|---|");
      for (RunAudit.ResourceFate f : fates) {
        l.add(
            "| "
                + f.kind()
                + " | `"
                + f.id()
                + "` | "
                + f.environment()
                + "/"
                + f.createdBy()
                + " | "
                + (f.cleanedUp() ? "yes: " : "**no**: ")
                + f.fate()
                + " |");
      }
    }
    if (!withPlan) {
      return String.join("\n", l) + "\n";
    }
    l.add("");
    l.add("## Plan");
    l.add("");
    l.add(
        "The exact plan the run executed (bind values redacted); its hash is `"
            + run.planHash()
            + "`.");
    l.add("");
    l.add("<details><summary>plan JSON</summary>");
    l.add("");
    l.add("```json");
    l.add(run.plan().toPrettyString());
    l.add("```");
    l.add("");
    l.add("</details>");
    return String.join("\n", l) + "\n";
  }

  static String source(RunAudit run) {
    return run.source().equals("temporal")
        ? "Temporal history (the workflow's input and results)"
        : "the audit store";
  }

  static String reached(RunAudit run) {
    return run.environment().isEmpty() || run.environment().equals(run.target())
        ? ""
        : " (reached " + run.environment() + ")";
  }

  static String time(Instant t) {
    return t == null ? "-" : t.toString();
  }

  static String rows(long rows) {
    return rows < 0 ? "-" : Long.toString(rows);
  }

  static String shortHash(String hash) {
    return hash == null || hash.length() < 12 ? String.valueOf(hash) : hash.substring(0, 12);
  }

  static String blank(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static void row(List<String> l, String key, String value) {
    l.add("| " + key + " | " + cell(value) + " |");
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  private static String code(String s) {
    return "`" + s.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`";
  }
}
