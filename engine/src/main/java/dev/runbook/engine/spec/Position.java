package dev.runbook.engine.spec;

/** A 1-based line and column in a source file. */
public record Position(int line, int column) {
  public static final Position START = new Position(1, 1);

  /** The position {@code chars} characters to the right on the same line. */
  public Position shifted(int chars) {
    return new Position(line, column + chars);
  }
}
