package dev.runbook.engine.workflow;

/**
 * An undo and its outcome.
 *
 * @param outcome COMPLETED, FAILED, or SKIPPED (the step it undoes produced nothing to undo)
 */
public record CompensationRecord(
    String environment, String forStep, String uses, StepOutcome outcome, String message) {}
