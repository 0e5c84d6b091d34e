package dev.runbook.engine.activities;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What every step activity receives: which run and step it serves and the step's inputs, fully
 * resolved. Never holds a secret value: secrets are referenced by id and fetched inside the
 * activity.
 *
 * @param idempotencyKey stable across retries of this step in this run ({@code runId/env/step}),
 *     for activities that must act exactly once
 * @param phase {@link #RUN} for a plain call; {@link #PREVIEW} or {@link #APPLY} for steps that
 *     preview their change first ({@code sql.change}): a preview acts in a transaction it rolls
 *     back and returns what it would do; an apply acts for real
 * @param approvedPreview for an apply: the preview outputs a reviewer approved ({@code
 *     previewRows}, {@code previewHash}); the apply must match them or fail. Null otherwise.
 */
public record StepRequest(
    String runId,
    String runbook,
    String environment,
    String stepId,
    String uses,
    JsonNode with,
    String planHash,
    String launcher,
    String idempotencyKey,
    String phase,
    JsonNode approvedPreview) {

  public static final String RUN = "run";
  public static final String PREVIEW = "preview";
  public static final String APPLY = "apply";

  /** A plain call (no preview). */
  public StepRequest(
      String runId,
      String runbook,
      String environment,
      String stepId,
      String uses,
      JsonNode with,
      String planHash,
      String launcher,
      String idempotencyKey) {
    this(
        runId,
        runbook,
        environment,
        stepId,
        uses,
        with,
        planHash,
        launcher,
        idempotencyKey,
        RUN,
        null);
  }

  /** The phase, treating requests recorded before phases existed as plain calls. */
  public String phaseOrRun() {
    return phase == null ? RUN : phase;
  }
}
