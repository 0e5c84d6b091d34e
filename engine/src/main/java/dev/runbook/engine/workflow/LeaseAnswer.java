package dev.runbook.engine.workflow;

/**
 * The workflow's answer to an accepted lease request.
 *
 * @param expiresAt when the lease ends unless extended (epoch milliseconds, workflow time)
 * @param maxUntil the latest it may be extended to
 * @param heartbeatTimeoutMillis the lease ends when no heartbeat came for this long
 */
public record LeaseAnswer(
    String step,
    String holder,
    long expiresAt,
    long maxUntil,
    long heartbeatTimeoutMillis,
    boolean active,
    String message) {}
