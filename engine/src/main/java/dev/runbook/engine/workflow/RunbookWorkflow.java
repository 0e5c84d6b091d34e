package dev.runbook.engine.workflow;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** The one workflow type: it interprets the plan it is given. */
@WorkflowInterface
public interface RunbookWorkflow {
  /** The control queue the interpreter runs on; steps go to their environment's queue. */
  String CONTROL_QUEUE = "runbook-control";

  @WorkflowMethod(name = "Runbook")
  RunView run(RunRequest request);

  /**
   * A reviewer's decision. A refused one fails with the reason and is recorded in the run (the
   * validator refuses, unrecorded, only a malformed decision or one past the record's cap).
   */
  @UpdateMethod(name = "decide")
  ApprovalAnswer decide(ApprovalDecision decision);

  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(ApprovalDecision decision);

  /** The same decision as a signal, for clients without updates; refusals are only recorded. */
  @SignalMethod(name = "decideSignal")
  void decideSignal(ApprovalDecision decision);

  /** Cancel with a reason: the undos run newest first, then {@code finally}. */
  @SignalMethod(name = "cancel")
  void cancel(CancelRequest request);

  @QueryMethod(name = "view")
  RunView view();

  /**
   * Heartbeat, extend or release the lease the run holds now ({@code uses: lease}); the validator
   * refuses when no lease is held, it is someone else's, or it is at its maximum.
   */
  @UpdateMethod(name = "lease")
  LeaseAnswer lease(LeaseRequest request);

  @UpdateValidatorMethod(updateName = "lease")
  void validateLease(LeaseRequest request);
}
