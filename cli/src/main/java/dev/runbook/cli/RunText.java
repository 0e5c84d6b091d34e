package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.workflow.ApprovalRecord;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.TemporalTarget;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** How runs read as text: durations, times, gates, steps and the whole {@code status} page. */
final class RunText {
  private RunText() {}

  /** {@code 0.4s}, {@code 12.0s}, {@code 3m05s}, {@code 2h10m}. */
  static String duration(Duration d) {
    long millis = Math.max(0, d.toMillis());
    if (millis < 60_000) {
      return String.format("%d.%ds", millis / 1000, (millis % 1000) / 100);
    }
    long seconds = millis / 1000;
    if (seconds < 3600) {
      return String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
  }

  static String duration(long fromMillis, long toMillis) {
    return duration(Duration.ofMillis(toMillis - fromMillis));
  }

  /** An instant to the second, UTC: {@code 2026-11-21T08:00:00Z}. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String time(long epochMillis) {
    return time(Instant.ofEpochMilli(epochMillis));
  }

  static String shortHash(String hash) {
    return hash == null || hash.length() <= 12 ? String.valueOf(hash) : hash.substring(0, 12);
  }

  static String step(StepRecord r) {
    return r.environment() + "/" + r.stepId();
  }

  /**
   * The connection flags a colleague needs to reach the same run: none on the defaults, else {@code
   * --address} and {@code --namespace}.
   */
  static String connectionFlags(TemporalTarget target) {
    String flags = "";
    if (!target.address().equals(TemporalTarget.DEFAULT_ADDRESS)) {
      flags += " --address " + target.address();
    }
    if (!target.namespace().equals(TemporalTarget.DEFAULT_NAMESPACE)) {
      flags += " --namespace " + target.namespace();
    }
    return flags;
  }

  /** What a reviewer needs to decide at an open gate, and the commands to do it. */
  static List<String> gate(String runId, GateView gate, String flags, String indent) {
    List<String> lines = new ArrayList<>();
    lines.add(
        indent
            + "approvers: "
            + (gate.approvers().isEmpty() ? "nobody" : String.join(", ", gate.approvers()))
            + " ("
            + gate.needed()
            + " needed"
            + (gate.approvedBy().isEmpty()
                ? ""
                : "; approved so far by " + String.join(", ", gate.approvedBy()))
            + "), open until "
            + time(gate.deadline()));
    if (gate.message() != null && !gate.message().isBlank()) {
      lines.add(indent + "message:   " + gate.message());
    }
    if (gate.shows() != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = gate.shows().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> shown = it.next();
        JsonNode value = shown.getValue();
        if (PreviewText.applies(value)) {
          lines.addAll(PreviewText.lines(shown.getKey(), value, indent));
          continue;
        }
        lines.add(
            indent
                + "shows:     "
                + shown.getKey()
                + " = "
                + (value.isTextual() ? value.asText() : value.toString()));
      }
    }
    lines.add(indent + "approve:   runbook approve " + runId + " --gate " + gate.id() + flags);
    lines.add(
        indent
            + "reject:    runbook reject "
            + runId
            + " --gate "
            + gate.id()
            + " --reason TEXT"
            + flags);
    return lines;
  }

  static String approval(ApprovalRecord a) {
    return "gate "
        + a.gate()
        + " "
        + (a.decision().name().equals("APPROVE") ? "approved" : "rejected")
        + " by "
        + a.approver()
        + (a.comment() == null || a.comment().isBlank() ? "" : ": " + a.comment());
  }

  static String compensation(CompensationRecord c) {
    return "undo "
        + c.environment()
        + "/"
        + c.forStep()
        + " ("
        + c.uses()
        + ") "
        + c.outcome().name().toLowerCase()
        + (c.message() == null || c.message().isBlank() ? "" : ": " + c.message());
  }

  /** The {@code status} page. */
  static List<String> status(Runs.Snapshot run, String flags) {
    List<String> lines = new ArrayList<>();
    RunView v = run.view();
    lines.add("run        " + run.id());
    if (v == null) {
      lines.add("status     " + run.temporalStatus() + " (ended outside the runbook engine)");
      lines.add("started    " + time(run.started()));
      return lines;
    }
    lines.add("runbook    " + v.runbook() + " v" + v.version() + ", target " + v.target());
    lines.add("plan hash  " + v.planHash());
    lines.add(
        "launcher   "
            + v.launcher()
            + (v.ticket() == null || v.ticket().isBlank() ? "" : ", ticket " + v.ticket()));
    String where =
        v.status().isFinal()
            ? ""
            : " in "
                + v.environment()
                + (v.currentStep() == null || v.currentStep().isBlank()
                    ? ""
                    : ", step " + v.currentStep());
    lines.add("status     " + v.status() + where);
    lines.add(
        "started    "
            + time(run.started())
            + (run.closed()
                ? ", ended after " + duration(run.elapsed())
                : ", running for " + duration(run.elapsed())));
    for (GateView gate : v.openGates()) {
      lines.add("open gate  " + gate.id());
      lines.addAll(gate(run.id(), gate, flags, "  "));
    }
    if (!v.steps().isEmpty()) {
      lines.add("steps");
      int width = v.steps().stream().mapToInt(r -> step(r).length()).max().orElse(0);
      int uses = v.steps().stream().mapToInt(r -> r.uses().length()).max().orElse(0);
      for (StepRecord r : v.steps()) {
        String took =
            r.outcome() == StepOutcome.RUNNING
                ? "running for " + duration(r.startedAt(), System.currentTimeMillis())
                : duration(r.startedAt(), r.finishedAt());
        lines.add(
            String.format(
                    "  %-" + width + "s  %-" + uses + "s  %-9s  %s",
                    step(r),
                    r.uses(),
                    r.outcome(),
                    took + (r.summary() == null || r.summary().isBlank() ? "" : "  " + r.summary()))
                .stripTrailing());
      }
    }
    if (!v.approvals().isEmpty()) {
      lines.add("approvals");
      for (ApprovalRecord a : v.approvals()) {
        lines.add("  " + time(a.at()) + "  " + approval(a));
      }
    }
    if (v.refusals() != null && !v.refusals().isEmpty()) {
      // decisions refused (who: why), recorded in the run's history
      lines.add("refused");
      v.refusals().forEach(r -> lines.add("  " + r));
    }
    if (!v.compensations().isEmpty()) {
      lines.add("undos (newest first)");
      for (CompensationRecord c : v.compensations()) {
        lines.add("  " + compensation(c));
      }
    }
    if (v.failure() != null && !v.failure().isBlank()) {
      lines.add("failure    " + v.failure());
    }
    if (v.audit() != null && !v.audit().isBlank()) {
      // records missing from the audit store (its outage, or a worker without one)
      lines.add("audit      " + v.audit().replaceFirst("^audit store: ", ""));
    }
    if (v.notices() != null && !v.notices().isEmpty()) {
      // automatic notices (Slack or the worker's log); one not sent never changed the run
      lines.add("notices");
      v.notices().forEach(n -> lines.add("  " + n));
    }
    return lines;
  }
}
