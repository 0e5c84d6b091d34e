package dev.runbook.engine.spec;

import java.util.Locale;
import java.util.Optional;

/** The types a runbook parameter can declare. */
public enum ParamType {
  STRING,
  INTEGER,
  BOOLEAN,
  IDENTIFIER,
  DURATION,
  TIMESTAMP,
  SQL,
  MAP;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ParamType> parse(String text) {
    for (ParamType type : values()) {
      if (type.label().equals(text)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
