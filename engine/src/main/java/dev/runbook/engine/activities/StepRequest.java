package dev.runbook.engine.activities;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What every step activity receives: which run and step it serves and the step's inputs, fully
 * resolved. Never holds a secret value: secrets are referenced by id and fetched inside the
 * activity.
 *
 * @param idempotencyKey stable across retries of this step in this run ({@code runId/stage/step}),
 *     for activities that must act exactly once
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
    String idempotencyKey) {}
