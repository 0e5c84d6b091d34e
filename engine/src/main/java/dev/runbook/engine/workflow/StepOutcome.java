package dev.runbook.engine.workflow;

/** What became of a step. */
public enum StepOutcome {
  RUNNING,
  COMPLETED,
  SKIPPED,
  FAILED
}
