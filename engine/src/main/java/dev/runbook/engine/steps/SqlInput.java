package dev.runbook.engine.steps;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.sql.SqlContext;

/**
 * An input of a step type that holds SQL text, checked by the guards.
 *
 * @param pointer where the SQL sits inside {@code with}, e.g. {@code /query} or {@code
 *     /verify/query}; a pointer to an array means every item
 * @param bindPointer where the {@code :name} values for it sit, e.g. {@code /bind}; null when it
 *     takes none (a migration statement: DDL has no bind parameters)
 */
public record SqlInput(String pointer, SqlContext context, String bindPointer) {

  /**
   * This input as {@code with} writes it: {@code verify: "SELECT ..."} is the short form of {@code
   * verify: {query: ...}}, its SQL at {@code /verify}, bound with the step's own {@code bind}.
   */
  public SqlInput as(JsonNode with) {
    int slash = pointer.lastIndexOf('/');
    if (slash > 0
        && pointer.endsWith("/query")
        && with.at(pointer.substring(0, slash)).isTextual()) {
      return new SqlInput(pointer.substring(0, slash), context, "/bind");
    }
    return this;
  }
}
