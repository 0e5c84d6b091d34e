package dev.runbook.engine.expr;

/**
 * A bad expression, found while parsing or evaluating it. The message is one line meant for runbook
 * authors: it never names Java classes and never carries a stack dump.
 */
public final class ExpressionException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int offset;

  /**
   * @param message one-line description of the problem
   * @param offset 0-based char index in the original string (the whole YAML scalar) where the
   *     problem is, best effort
   */
  public ExpressionException(String message, int offset) {
    super(message);
    this.offset = offset;
  }

  /** 0-based char index in the original string where the problem is, best effort. */
  public int offset() {
    return offset;
  }
}
