package dev.runbook.engine.workflow;

/** Who cancels a run and why; the undos run and the reason is recorded. */
public record CancelRequest(String by, String reason) {}
