package dev.runbook.engine.workflow;

/**
 * The workflow's answer to an accepted decision.
 *
 * @param approvals distinct approvals counted at the gate so far
 * @param gateOpened true when this decision opened the gate
 */
public record ApprovalAnswer(
    String gate, String message, int approvals, int needed, boolean gateOpened) {}
