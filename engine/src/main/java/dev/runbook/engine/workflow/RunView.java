package dev.runbook.engine.workflow;

import java.util.List;

/**
 * A run as {@code runbook status} shows it, and the workflow's result.
 *
 * @param failure why the run did not complete, or empty
 * @param refusals refused decisions ("approver: reason"), by update or signal, in order; at most
 *     {@code RunbookWorkflowImpl.MAX_RECORDED_REFUSALS} per run (later ones are answered, not kept)
 * @param audit why some of the run's records are not in the audit store yet, or empty (null for
 *     runs started before the audit trail)
 * @param notices what happened to each automatic notice ("event: outcome"), in order; null for runs
 *     started before automatic notices
 */
public record RunView(
    String runbook,
    int version,
    String target,
    String planHash,
    String launcher,
    String ticket,
    RunStatus status,
    String environment,
    String currentStep,
    List<GateView> openGates,
    List<StepRecord> steps,
    List<ApprovalRecord> approvals,
    List<CompensationRecord> compensations,
    String failure,
    List<String> refusals,
    String audit,
    List<String> notices) {}
