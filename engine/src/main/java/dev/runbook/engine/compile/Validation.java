package dev.runbook.engine.compile;

import dev.runbook.engine.diag.Diagnostic;
import java.util.List;
import java.util.Optional;

/** The outcome of a check: the validated value when there were no problems, else the problems. */
public record Validation<T>(Optional<T> value, List<Diagnostic> diagnostics) {
  public Validation {
    diagnostics = List.copyOf(diagnostics);
  }

  public boolean ok() {
    return diagnostics.isEmpty();
  }
}
