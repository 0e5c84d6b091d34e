package dev.runbook.engine.workflow;

import dev.runbook.engine.plan.Plan;

/**
 * The workflow input: the compiled plan (so history records exactly what ran) and who launched it.
 */
public record RunRequest(Plan plan, String launcher, String ticket) {}
