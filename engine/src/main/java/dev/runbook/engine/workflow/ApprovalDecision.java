package dev.runbook.engine.workflow;

/**
 * A reviewer's decision, as sent by {@code runbook approve/reject}.
 *
 * @param gate the gate id shown by {@code runbook status} (e.g. {@code promote@prod} or {@code
 *     stage/fix}); null means "the gate that is open now"
 * @param approver the reviewer's identity (OS user, or RUNBOOK_USER)
 * @param planHash the plan hash the reviewer looked at; must be the one running
 */
public record ApprovalDecision(
    String gate, String approver, Decision decision, String comment, String planHash) {}
