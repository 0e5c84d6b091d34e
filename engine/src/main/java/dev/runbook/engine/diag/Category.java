package dev.runbook.engine.diag;

import java.util.Locale;

/** What kind of problem a diagnostic reports; printed in lowercase. */
public enum Category {
  SYNTAX,
  SCHEMA,
  SEMANTIC,
  EXPRESSION,
  SQL,
  PARAM;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
