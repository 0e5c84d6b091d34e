package dev.runbook.engine.diag;

import java.util.List;

/** Thrown when input does not pass validation; carries every diagnostic found. */
public final class InvalidInputException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<Diagnostic> diagnostics;

  public InvalidInputException(List<Diagnostic> diagnostics) {
    super(diagnostics.size() + " problem(s), first: " + diagnostics.get(0).format());
    this.diagnostics = List.copyOf(diagnostics);
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
