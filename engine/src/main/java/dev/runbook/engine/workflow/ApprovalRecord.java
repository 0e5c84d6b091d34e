package dev.runbook.engine.workflow;

/** A decision counted at a gate. */
public record ApprovalRecord(
    String gate, String approver, Decision decision, String comment, long at) {}
