/**
 * The interpreter workflow. Code here is replayed by Temporal and must be deterministic:
 *
 * <ul>
 *   <li>no clock (use {@code Workflow.currentTimeMillis}), no randomness, no UUIDs, no IO, no
 *       threads, no static mutable state of its own;
 *   <li>iterate only ordered collections (lists, LinkedHashMap, sorted maps);
 *   <li>every change of behaviour for runs in flight is gated with {@code Workflow.getVersion};
 *   <li>expressions are evaluated with the sandboxed engine, which has no side effects.
 * </ul>
 *
 * Stored histories of real runs are replayed in CI so a change that breaks runs in flight fails the
 * build.
 */
package dev.runbook.engine.workflow;
