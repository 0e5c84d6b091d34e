package dev.runbook.engine.sql;

import java.util.Objects;

/** One problem found in a SQL text. */
public record SqlFinding(String message) {
  public SqlFinding {
    Objects.requireNonNull(message, "message");
  }
}
