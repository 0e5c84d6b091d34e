package dev.runbook.engine.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.plan.Plan;
import java.util.List;

/**
 * What changed in a run since the interpreter's last batch. Times are workflow time in epoch
 * milliseconds. Carries raw step inputs and outputs; the store keeps only what {@link
 * dev.runbook.engine.audit.StepEffects} extracts from them (SQL, row counts, resources), redacted
 * by {@link dev.runbook.engine.audit.Redaction}.
 *
 * @param run the run as it stands now
 * @param steps steps that started or changed, by their position in the run
 */
public record AuditBatch(
    String runId,
    Run run,
    List<Step> steps,
    List<Approval> approvals,
    List<Compensation> compensations,
    List<Refusal> refusals) {
  public AuditBatch {
    steps = List.copyOf(steps);
    approvals = List.copyOf(approvals);
    compensations = List.copyOf(compensations);
    refusals = List.copyOf(refusals);
  }

  /**
   * @param plan the plan as launched; null once the store has it
   * @param status a {@code RunStatus} name
   * @param endedAt 0 while the run goes on
   */
  public record Run(
      Plan plan,
      String launcher,
      String ticket,
      String status,
      String environment,
      String failure,
      long startedAt,
      long endedAt) {}

  /**
   * @param seq the step's position in the run (0-based, finally steps after the others)
   * @param outcome a {@code StepOutcome} name
   * @param calls the activity calls of the step so far (a preview and an apply, or one run)
   */
  public record Step(
      int seq,
      String environment,
      String stepId,
      String uses,
      String name,
      String outcome,
      String summary,
      long startedAt,
      long finishedAt,
      List<Call> calls) {
    public Step {
      calls = List.copyOf(calls);
    }
  }

  /** One activity call of a step: its phase (run, preview, apply), resolved inputs, outputs. */
  public record Call(String phase, JsonNode with, JsonNode outputs) {}

  /** A decision counted at a gate; {@code decision} is APPROVE or REJECT. */
  public record Approval(
      int seq,
      String gate,
      String approver,
      String decision,
      String comment,
      long at,
      String planHash) {}

  /** An undo and its outcome ({@code COMPLETED}, {@code FAILED}, {@code SKIPPED}). */
  public record Compensation(
      int seq,
      String environment,
      String forStep,
      String uses,
      String outcome,
      String message,
      long at) {}

  /** A decision sent as a signal that the run refused, with the reason. */
  public record Refusal(int seq, String text, long at) {}
}
