package dev.runbook.engine.workflow;

/** Ends the main part of a run early with a final status (reject, gate timeout, assert). */
final class RunEnded extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final RunStatus status;

  RunEnded(RunStatus status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  RunStatus status() {
    return status;
  }
}
