package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.audit.StepEffects;
import dev.runbook.worker.audit.RunAudit;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The audit report as one self-contained HTML page (inline CSS, no script, no external resource)
 * that a manager opens in a browser or attaches to a ticket.
 */
final class AuditHtml {
  private static final String CSS =
      "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}"
          + "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
          + "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;"
          + "text-align:left;vertical-align:top}th{background:#f3f3f3}"
          + "code,pre{font-family:ui-monospace,monospace;font-size:12px}"
          + "pre{background:#f7f7f7;padding:8px;overflow:auto}"
          + ".COMPLETED,.APPROVE,.yes{color:#17692c;font-weight:600}"
          + ".FAILED,.REJECT,.REFUSED,.no,.REJECTED,.CANCELLED,.TIMED_OUT,"
          + ".COMPENSATION_INCOMPLETE{color:#a4161a;font-weight:600}"
          + ".SKIPPED{color:#777}.facts th{width:14em}";

  private AuditHtml() {}

  static String render(RunAudit run) {
    return render(run, true);
  }

  /** With or without the plan's JSON (its hash is always shown). */
  static String render(RunAudit run, boolean withPlan) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Audit of run ")
        .append(e(run.runId()))
        .append("</title><style>")
        .append(CSS)
        .append("</style></head><body>\n");
    h.append("<h1>Audit of run <code id=\"run-id\">")
        .append(e(run.runId()))
        .append("</code></h1>\n");
    h.append("<table class=\"facts\">");
    fact(
        h,
        "runbook",
        "Runbook",
        e(run.runbook() + " v" + run.version())
            + " <small>file sha256 <code>"
            + e(run.sha256())
            + "</code></small>");
    fact(h, "environment", "Environment", e(run.target() + AuditMarkdown.reached(run)));
    fact(h, "launcher", "Launched by", e(run.launcher()));
    fact(h, "ticket", "Ticket", e(AuditMarkdown.blank(run.ticket())));
    fact(
        h,
        "status",
        "Status",
        "<span class=\"" + e(run.status()) + "\">" + e(run.status()) + "</span>");
    fact(h, "started", "Started", e(AuditMarkdown.time(run.startedAt())));
    fact(h, "ended", "Ended", e(AuditMarkdown.time(run.endedAt())));
    fact(h, "plan-hash", "Plan hash", "<code>" + e(run.planHash()) + "</code>");
    fact(h, "source", "Read from", e(AuditMarkdown.source(run)));
    if (!run.failure().isEmpty()) {
      fact(h, "failure", "Why it did not complete", e(run.failure()));
    }
    if (!run.note().isEmpty()) {
      fact(h, "note", "Note", e(run.note()));
    }
    h.append("</table>\n");

    h.append("<h2>Parameters</h2><table id=\"params\"><tr><th>name</th><th>value</th></tr>");
    for (Iterator<Map.Entry<String, JsonNode>> it = run.params().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      String v = p.getValue().isTextual() ? p.getValue().asText() : p.getValue().toString();
      h.append("<tr><td><code>")
          .append(e(p.getKey()))
          .append("</code></td><td><code>")
          .append(e(v))
          .append("</code></td></tr>");
    }
    h.append("</table>\n");

    h.append("<h2>Steps</h2><table id=\"steps\"><tr><th>#</th><th>env</th><th>step</th>")
        .append(
            "<th>type</th><th>outcome</th><th>started</th><th>finished</th><th>summary</th></tr>");
    for (RunAudit.Step s : run.steps()) {
      h.append("<tr><td>")
          .append(s.seq() + 1)
          .append("</td><td>")
          .append(e(s.environment()))
          .append("</td><td>")
          .append(e(s.stepId()))
          .append(s.name().equals(s.stepId()) ? "" : "<br><small>" + e(s.name()) + "</small>")
          .append("</td><td>")
          .append(e(s.uses()))
          .append("</td><td class=\"")
          .append(e(s.outcome()))
          .append("\">")
          .append(e(s.outcome()))
          .append("</td><td>")
          .append(e(AuditMarkdown.time(s.startedAt())))
          .append("</td><td>")
          .append(e(AuditMarkdown.time(s.finishedAt())))
          .append("</td><td>")
          .append(e(s.summary()))
          .append("</td></tr>");
    }
    h.append("</table>\n");

    h.append("<h2>SQL executed</h2>");
    boolean anySql = run.steps().stream().anyMatch(s -> !s.sql().isEmpty());
    if (!anySql) {
      h.append("<p>No SQL ran.</p>\n");
    } else {
      h.append(
          "<table id=\"sql\"><tr><th>step</th><th>phase</th><th>database</th><th>rows</th><th>SQL</th></tr>");
      for (RunAudit.Step s : run.steps()) {
        for (StepEffects.Sql q : s.sql()) {
          h.append("<tr><td>")
              .append(e(s.environment() + "/" + s.stepId()))
              .append("</td><td>")
              .append(e(q.phase()))
              .append("</td><td>")
              .append(e(q.database()))
              .append("</td><td>")
              .append(AuditMarkdown.rows(q.rows()))
              .append("</td><td><code>")
              .append(e(q.sql()))
              .append("</code></td></tr>");
        }
      }
      h.append(
          "</table><p>A preview ran in a transaction that was rolled back; bind values are [redacted].</p>\n");
    }

    h.append("<h2>Approvals and refusals</h2>");
    if (run.approvals().isEmpty() && run.refusals().isEmpty()) {
      h.append("<p>No decisions.</p>\n");
    } else {
      h.append(
          "<table id=\"approvals\"><tr><th>gate</th><th>who</th><th>decision</th><th>comment</th><th>at</th><th>plan hash</th></tr>");
      for (RunAudit.Approval a : run.approvals()) {
        h.append("<tr><td>")
            .append(e(a.gate()))
            .append("</td><td>")
            .append(e(a.approver()))
            .append("</td><td class=\"")
            .append(e(a.decision()))
            .append("\">")
            .append(e(a.decision()))
            .append("</td><td>")
            .append(e(a.comment()))
            .append("</td><td>")
            .append(e(AuditMarkdown.time(a.at())))
            .append("</td><td><code>")
            .append(e(AuditMarkdown.shortHash(a.planHash())))
            .append("</code></td></tr>");
      }
      for (RunAudit.Refusal r : run.refusals()) {
        h.append("<tr><td></td><td>")
            .append(e(r.text()))
            .append("</td><td class=\"REFUSED\">REFUSED</td><td></td><td>")
            .append(e(AuditMarkdown.time(r.at())))
            .append("</td><td></td></tr>");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Undos</h2>");
    if (run.compensations().isEmpty()) {
      h.append("<p>No undo ran.</p>\n");
    } else {
      h.append(
          "<table id=\"undos\"><tr><th>env</th><th>undo of</th><th>type</th><th>outcome</th><th>message</th></tr>");
      for (RunAudit.Compensation c : run.compensations()) {
        h.append("<tr><td>")
            .append(e(c.environment()))
            .append("</td><td>")
            .append(e(c.forStep()))
            .append("</td><td>")
            .append(e(c.uses()))
            .append("</td><td class=\"")
            .append(e(c.outcome()))
            .append("\">")
            .append(e(c.outcome()))
            .append("</td><td>")
            .append(e(c.message()))
            .append("</td></tr>");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Resources created</h2>");
    List<RunAudit.ResourceFate> fates = run.resourceFates();
    if (fates.isEmpty()) {
      h.append("<p>The run created no snapshot, backup, instance or access rule.</p>\n");
    } else {
      h.append(
          "<table id=\"resources\"><tr><th>kind</th><th>id</th><th>created by</th><th>cleaned up</th></tr>");
      for (RunAudit.ResourceFate f : fates) {
        h.append("<tr><td>")
            .append(e(f.kind()))
            .append("</td><td><code>")
            .append(e(f.id()))
            .append("</code></td><td>")
            .append(e(f.environment() + "/" + f.createdBy()))
            .append("</td><td class=\"")
            .append(f.cleanedUp() ? "yes" : "no")
            .append("\">")
            .append(f.cleanedUp() ? "yes: " : "no: ")
            .append(e(f.fate()))
            .append("</td></tr>");
      }
      h.append("</table>\n");
    }

    h.append(
            "<h2>Plan</h2><p>The exact plan the run executed (bind values redacted); its hash is <code>")
        .append(e(run.planHash()))
        .append("</code>.</p><pre id=\"plan\">")
        .append(e(run.plan().toPrettyString()))
        .append("</pre>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  private static void fact(StringBuilder h, String id, String label, String html) {
    h.append("<tr><th>")
        .append(label)
        .append("</th><td id=\"")
        .append(id)
        .append("\">")
        .append(html)
        .append("</td></tr>");
  }

  /** HTML-escaped text. */
  static String e(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
