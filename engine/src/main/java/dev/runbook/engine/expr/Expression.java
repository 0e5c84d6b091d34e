package dev.runbook.engine.expr;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.jexl3.JexlException;

/**
 * A parsed {@code ${{ }}} expression. Immutable and thread-safe: one instance may be evaluated from
 * many threads at once. Two expressions are equal when their source and offset are.
 */
public final class Expression {
  private final String source;
  private final int offset;
  private final Compiler.Compiled compiled;

  private Expression(String source, int offset, Compiler.Compiled compiled) {
    this.source = source;
    this.offset = offset;
    this.compiled = compiled;
  }

  /**
   * Parses a bare expression (no {@code ${{ }}} around it), e.g. a condition; {@link #offset()} is
   * then 0 and error offsets are indexes into {@code text}.
   */
  public static Expression parse(String text) throws ExpressionException {
    Objects.requireNonNull(text, "text");
    int start = 0;
    int end = text.length();
    while (start < end && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    if (start == end) {
      throw new ExpressionException(Messages.EMPTY, 0);
    }
    return create(text.substring(start, end), 0, start);
  }

  /**
   * @param source trimmed, non-empty source
   * @param offset index of "${{" in the original string
   * @param sourceOffset index of {@code source} in the original string
   */
  static Expression create(String source, int offset, int sourceOffset) throws ExpressionException {
    return new Expression(source, offset, Compiler.compile(source, sourceOffset));
  }

  /** The text between {@code ${{} and {@code }}}, trimmed. */
  public String source() {
    return source;
  }

  /** Index of {@code ${{} in the original string. */
  public int offset() {
    return offset;
  }

  /**
   * Every variable path it reads, e.g. {@code [["params","database"],
   * ["steps","fix","outputs","rows"]]}, distinct, in order of appearance. Literal keys in brackets
   * are path segments too ({@code steps['my-step']} reads {@code ["steps","my-step"]}; a list index
   * {@code rows[0]} adds {@code "0"}). Unmodifiable.
   */
  public List<List<String>> references() {
    return compiled.references();
  }

  /**
   * Evaluates against root variables (params, env, run, steps).
   *
   * @return a String, Long, BigDecimal, Boolean, null, or an unmodifiable Map or List of those
   * @throws ExpressionException for unknown references and type errors; offset is {@link #offset()}
   */
  public Object evaluate(Map<String, ?> scope) throws ExpressionException {
    Objects.requireNonNull(scope, "scope");
    try {
      return Values.normalise(compiled.jexl().evaluate(new ScopeContext(scope)));
    } catch (EvaluationFailure failure) {
      throw new ExpressionException(Messages.cannotEvaluate(source, failure.getMessage()), offset);
    } catch (JexlException failure) {
      throw new ExpressionException(Failures.describe(this, scope, failure), offset);
    } catch (StackOverflowError deep) {
      throw new ExpressionException(Messages.TOO_COMPLEX, offset);
    } catch (RuntimeException failure) {
      throw new ExpressionException(Messages.cannotEvaluate(source, "evaluation failed"), offset);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Expression that && offset == that.offset && source.equals(that.source);
  }

  @Override
  public int hashCode() {
    return source.hashCode() * 31 + offset;
  }

  @Override
  public String toString() {
    return "${{ " + source + " }}";
  }
}
