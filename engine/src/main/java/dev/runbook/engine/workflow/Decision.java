package dev.runbook.engine.workflow;

/** A reviewer's answer at a gate. */
public enum Decision {
  APPROVE,
  REJECT
}
