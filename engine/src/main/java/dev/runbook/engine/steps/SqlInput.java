package dev.runbook.engine.steps;

import dev.runbook.engine.sql.SqlContext;

/**
 * An input of a step type that holds SQL text, checked by the guards.
 *
 * @param pointer where the SQL sits inside {@code with}, e.g. {@code /query} or {@code
 *     /verify/query}; a pointer to an array means every item
 * @param bindPointer where the {@code :name} values for it sit, e.g. {@code /bind}; null when it
 *     takes none (a migration statement: DDL has no bind parameters)
 */
public record SqlInput(String pointer, SqlContext context, String bindPointer) {}
