package dev.runbook.bench;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** The baseline: what a developer would write by hand instead of a runbook of notify steps. */
@WorkflowInterface
public interface HandWrittenWorkflow {
  /**
   * @param interpreterOptions schedule each call with the options the interpreter uses (a summary,
   *     its retry policy with the non-retryable failure types, a stub per call) instead of one
   *     plain typed stub: tells how much of the interpreter's cost those options are
   */
  @WorkflowMethod(name = "HandWritten")
  String run(int steps, boolean interpreterOptions);
}
