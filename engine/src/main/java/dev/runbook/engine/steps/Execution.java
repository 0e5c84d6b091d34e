package dev.runbook.engine.steps;

/** How the interpreter carries out a step type; each maps to one Plan step record. */
public enum Execution {
  /** An activity of the step's integration (SQL, AWS, SSH, Flyway, exec, notify). */
  ACTIVITY,
  /** A human gate: waits for approvals delivered as updates/signals. */
  APPROVAL,
  /** A durable timer. */
  TIMER,
  /** A deterministic check evaluated in the workflow itself. */
  ASSERT,
  /**
   * Temporary access held by the workflow until released, expired or abandoned (heartbeats
   * stopped), driven by the {@code lease} update.
   */
  LEASE
}
