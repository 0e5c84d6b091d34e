package dev.runbook.engine.workflow;

/** Who holds a target lock: the run, who launched it and what it runs. */
public record LockRequest(String holderRunId, String launcher, String runbook, String target) {}
