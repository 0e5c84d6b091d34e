package dev.runbook.engine.diag;

import java.util.Comparator;

/**
 * One problem in a runbook, environment file or launch parameter.
 *
 * <p>Printed as {@code file:line:col: category: path: message}; {@code path} is a JSONPath into the
 * document such as {@code $.steps[1].with.database}, or the flag (e.g. {@code -p ticket}) for
 * launch parameters, whose line and column are 0.
 */
public record Diagnostic(
    String file, int line, int column, Category category, String path, String message) {

  /** Sorted by file, then position, then category and text, so output is stable. */
  public static final Comparator<Diagnostic> ORDER =
      Comparator.comparing(Diagnostic::file)
          .thenComparingInt(Diagnostic::line)
          .thenComparingInt(Diagnostic::column)
          .thenComparing(Diagnostic::category)
          .thenComparing(Diagnostic::path)
          .thenComparing(Diagnostic::message);

  public String format() {
    if (line <= 0) {
      return file + ": " + category.label() + ": " + path + ": " + message;
    }
    return file
        + ":"
        + line
        + ":"
        + column
        + ": "
        + category.label()
        + ": "
        + path
        + ": "
        + message;
  }

  @Override
  public String toString() {
    return format();
  }
}
