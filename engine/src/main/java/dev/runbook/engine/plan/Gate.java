package dev.runbook.engine.plan;

/** A named approval point between stages, such as {@code promote}. */
public record Gate(String name, ApprovalPolicy policy) {}
