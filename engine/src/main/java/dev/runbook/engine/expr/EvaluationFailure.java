package dev.runbook.engine.expr;

/**
 * Thrown from inside JEXL (arithmetic, value checks) with a message fit for users. It extends
 * {@link ArithmeticException} because that is what JEXL's interpreter expects operators to throw;
 * the interpreter wraps it and {@link Expression#evaluate} unwraps it again.
 */
final class EvaluationFailure extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  EvaluationFailure(String reason) {
    super(reason);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // an expected outcome, not a bug: no stack needed
  }
}
