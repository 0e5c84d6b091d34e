package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.ApprovalPolicy;
import dev.runbook.engine.plan.ApprovalStep;
import dev.runbook.engine.plan.AssertStep;
import dev.runbook.engine.plan.Compensation;
import dev.runbook.engine.plan.LeaseStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.plan.WaitStep;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The human-readable plan: what a reviewer reads before approving. */
final class PlanText {
  private final StringBuilder out = new StringBuilder();

  private PlanText() {}

  static String render(Plan plan) {
    PlanText text = new PlanText();
    text.plan(plan);
    return text.out.toString();
  }

  private void plan(Plan plan) {
    line(
        0,
        "Runbook   "
            + plan.runbook().name()
            + " v"
            + plan.runbook().version()
            + " (file sha256 "
            + plan.runbook().sha256().substring(0, 12)
            + ")");
    if (!plan.runbook().description().isEmpty()) {
      line(0, "          " + plan.runbook().description());
    }
    line(0, "Target    " + plan.target());
    line(0, "Plan hash " + plan.hash());
    if (!plan.params().isEmpty()) {
      line(0, "Params");
      plan.params().forEach((k, v) -> line(1, k + " = " + scalar(v)));
    }
    int number = 1;
    for (Stage stage : plan.stages()) {
      line(0, "");
      if (stage.gateBefore() != null) {
        line(
            0,
            "Gate "
                + stage.gateBefore().name()
                + " before "
                + stage.environment()
                + ": "
                + policy(stage.gateBefore().policy()));
        message(1, stage.gateBefore().policy());
        line(0, "");
      }
      line(
          0,
          "Stage "
              + number++
              + ": "
              + stage.environment()
              + " (task queue "
              + stage.taskQueue()
              + (stage.rehearsal() ? ", rehearsal" : "")
              + ")");
      steps(stage.steps());
    }
    if (!plan.finallySteps().isEmpty()) {
      line(0, "");
      line(0, "Finally (always runs)");
      steps(plan.finallySteps());
    }
  }

  private void steps(List<Step> steps) {
    int index = 1;
    for (Step step : steps) {
      String skipped =
          step.when().isBoolean() && !step.when().asBoolean() ? "  [skipped: when is false]" : "";
      line(1, index++ + ". " + step.id() + ": " + step.name() + skipped);
      if (step.when().isTextual()) {
        line(3, "when " + step.when().asText());
      }
      switch (step) {
        case ActivityStep a -> activity(a);
        case ApprovalStep a -> {
          line(3, "approval: " + policy(a.policy()));
          message(4, a.policy());
          if (!a.shows().isEmpty()) {
            line(3, "shows: " + String.join(", ", a.shows()));
          }
        }
        case WaitStep w -> line(3, "wait " + duration(w.duration()));
        case LeaseStep l ->
            line(
                3,
                "lease for the launcher: ttl "
                    + duration(l.ttl())
                    + ", at most "
                    + duration(l.maxTtl())
                    + ", ends without a heartbeat for "
                    + duration(l.heartbeatTimeout()));
        case AssertStep a ->
            line(
                3,
                "assert "
                    + scalar(a.that())
                    + (a.message().isEmpty() ? "" : " else \"" + a.message() + "\""));
      }
    }
  }

  private void activity(ActivityStep step) {
    line(
        3,
        "uses "
            + step.uses()
            + ", timeout "
            + duration(step.timeout())
            + ", up to "
            + step.retry().maxAttempts()
            + " attempt(s)");
    inputs(3, step.with());
    if (step.approval() != null) {
      line(3, "approval before applying: " + policy(step.approval()));
      message(4, step.approval());
    }
    Compensation undo = step.compensate();
    if (undo != null) {
      line(3, "undo" + (undo.automatic() ? " (automatic)" : "") + ": " + undo.uses());
      inputs(5, undo.with());
    }
  }

  private void inputs(int depth, JsonNode with) {
    for (Iterator<Map.Entry<String, JsonNode>> it = with.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode value = e.getValue();
      if (value.isTextual() && value.asText().contains("\n")) {
        line(depth, e.getKey() + ": |");
        value.asText().strip().lines().forEach(l -> line(depth + 2, l));
      } else if (value.isArray() && value.size() > 0 && value.get(0).isTextual()) {
        line(depth, e.getKey() + ":");
        value.forEach(
            item ->
                line(
                    depth + 1,
                    "- " + item.asText().strip().replace("\n", "\n" + "  ".repeat(depth + 2))));
      } else {
        line(depth, e.getKey() + ": " + scalar(value));
      }
    }
  }

  private void message(int depth, ApprovalPolicy policy) {
    if (!policy.message().isEmpty()) {
      line(depth, "\"" + policy.message() + "\"");
    }
  }

  static String policy(ApprovalPolicy policy) {
    String who =
        policy.group() != null
            ? "team " + policy.group() + " " + policy.approvers()
            : "users " + policy.approvers();
    return who
        + ", "
        + policy.min()
        + " approval(s), timeout "
        + duration(policy.timeout())
        + " then "
        + policy.onTimeout().name().toLowerCase()
        + (policy.allowSelfApproval() ? ", self-approval allowed" : "");
  }

  static String duration(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder s = new StringBuilder();
    long days = d.toDays();
    if (days > 0) {
      s.append(days).append('d');
    }
    if (d.toHoursPart() > 0) {
      s.append(d.toHoursPart()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      s.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0) {
      s.append(d.toSecondsPart()).append('s');
    }
    if (d.toMillisPart() > 0) {
      s.append(d.toMillisPart()).append("ms");
    }
    return s.toString();
  }

  private static String scalar(JsonNode value) {
    return value.isTextual() ? value.asText() : value.toString();
  }

  private void line(int depth, String text) {
    out.append("  ".repeat(depth)).append(text).append('\n');
  }
}
