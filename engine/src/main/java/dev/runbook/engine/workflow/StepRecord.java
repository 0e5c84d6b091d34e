package dev.runbook.engine.workflow;

/**
 * One step of one environment, as it ran. Times are workflow time in epoch milliseconds.
 *
 * @param finishedAt 0 while running
 */
public record StepRecord(
    String environment,
    String stepId,
    String uses,
    String name,
    StepOutcome outcome,
    String summary,
    long startedAt,
    long finishedAt) {}
