package dev.runbook.worker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.audit.StepEffects;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an audit report shows about one run, from Temporal history or from the audit store.
 * Params and plan are redacted. Times are instants; {@code null} when not reached.
 *
 * @param source where it was read: {@code temporal} or {@code audit-store}
 * @param note why parts may be missing (e.g. the audit store's own problem), or empty
 */
public record RunAudit(
    String source,
    String runId,
    String runbook,
    int version,
    String sha256,
    String target,
    String environment,
    String launcher,
    String ticket,
    JsonNode params,
    JsonNode plan,
    String planHash,
    String status,
    String failure,
    Instant startedAt,
    Instant endedAt,
    List<Step> steps,
    List<Approval> approvals,
    List<Compensation> compensations,
    List<Refusal> refusals,
    String note) {
  public RunAudit {
    steps = List.copyOf(steps);
    approvals = List.copyOf(approvals);
    compensations = List.copyOf(compensations);
    refusals = List.copyOf(refusals);
  }

  public record Step(
      int seq,
      String environment,
      String stepId,
      String uses,
      String name,
      String outcome,
      String summary,
      Instant startedAt,
      Instant finishedAt,
      List<StepEffects.Sql> sql,
      List<StepEffects.Resource> resources) {
    public Step {
      sql = List.copyOf(sql);
      resources = List.copyOf(resources);
    }
  }

  public record Approval(
      String gate, String approver, String decision, String comment, Instant at, String planHash) {}

  public record Compensation(
      String environment,
      String forStep,
      String uses,
      String outcome,
      String message,
      Instant at) {}

  public record Refusal(String text, Instant at) {}

  /**
   * A resource a run created and what became of it.
   *
   * @param fate {@code removed by ...}, {@code kept ...} (backups and snapshots are kept on
   *     purpose) or {@code NOT cleaned up}
   * @param cleanedUp whether nothing is left behind that should not be
   */
  public record ResourceFate(
      String kind,
      String id,
      String environment,
      String createdBy,
      String fate,
      boolean cleanedUp) {}

  /** Every resource a step created, and whether a later step or an undo removed it. */
  public List<ResourceFate> resourceFates() {
    List<ResourceFate> fates = new ArrayList<>();
    for (Step step : steps) {
      for (StepEffects.Resource r : step.resources()) {
        if (!r.action().equals("created")) {
          continue;
        }
        fates.add(fate(step, r));
      }
    }
    return fates;
  }

  private ResourceFate fate(Step creator, StepEffects.Resource r) {
    for (Step later : steps) {
      if (later.seq() <= creator.seq()) {
        continue;
      }
      for (StepEffects.Resource other : later.resources()) {
        if (other.kind().equals(r.kind())
            && other.id().equals(r.id())
            && other.action().equals("removed")) {
          return new ResourceFate(
              r.kind(),
              r.id(),
              creator.environment(),
              creator.stepId(),
              "removed by step " + later.stepId(),
              true);
        }
      }
    }
    for (Compensation c : compensations) {
      if (c.forStep().equals(creator.stepId())
          && c.environment().equals(creator.environment())
          && c.outcome().equals("COMPLETED")
          && !r.kind().equals("backup-table")) {
        return new ResourceFate(
            r.kind(),
            r.id(),
            creator.environment(),
            creator.stepId(),
            "removed by the undo (" + c.uses() + ")",
            true);
      }
    }
    return switch (r.kind()) {
      case "backup-table" ->
          new ResourceFate(
              r.kind(),
              r.id(),
              creator.environment(),
              creator.stepId(),
              "kept on purpose (runbook backups prune removes it later)",
              true);
      case "snapshot" ->
          new ResourceFate(
              r.kind(),
              r.id(),
              creator.environment(),
              creator.stepId(),
              "kept on purpose (snapshot retention)",
              true);
      case "export-file" ->
          new ResourceFate(
              r.kind(), r.id(), creator.environment(), creator.stepId(), "kept (the export)", true);
      default ->
          new ResourceFate(
              r.kind(), r.id(), creator.environment(), creator.stepId(), "NOT cleaned up", false);
    };
  }
}
