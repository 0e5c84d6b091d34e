package dev.runbook.engine.expr;

import java.math.BigDecimal;
import java.math.MathContext;
import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlOperator;

/**
 * The operators of the expression language over the value model ({@link Values}), replacing JEXL's
 * lenient coercions: no string-to-number or number-to-boolean conversion, integers stay {@link
 * Long} (overflow is an error), decimals are {@link BigDecimal}. Stateless.
 */
final class StrictArithmetic extends JexlArithmetic {
  /** Precision of decimal division. */
  static final MathContext DIVISION = MathContext.DECIMAL128;

  StrictArithmetic() {
    super(true);
  }

  @Override
  protected JexlArithmetic createWithOptions(boolean strict, MathContext context, int scale) {
    return this; // options never change these semantics
  }

  /**
   * Not "strict" in JEXL's sense: JEXL would then refuse null operands itself with an anonymous
   * error; the operators below check their operands and explain what is wrong.
   */
  @Override
  public boolean isStrict(JexlOperator operator) {
    return false;
  }

  // ---- + - * / % and signs

  @Override
  public Object add(Object left, Object right) {
    if (left instanceof String || right instanceof String) {
      return concatText(left) + concatText(right);
    }
    Object l = operand("+", left, right);
    Object r = Values.number((Number) right);
    if (l instanceof Long a && r instanceof Long b) {
      return exact(() -> Math.addExact(a, b));
    }
    return Values.decimal(l).add(Values.decimal(r));
  }

  @Override
  public Object subtract(Object left, Object right) {
    Object l = operand("-", left, right);
    Object r = Values.number((Number) right);
    if (l instanceof Long a && r instanceof Long b) {
      return exact(() -> Math.subtractExact(a, b));
    }
    return Values.decimal(l).subtract(Values.decimal(r));
  }

  @Override
  public Object multiply(Object left, Object right) {
    Object l = operand("*", left, right);
    Object r = Values.number((Number) right);
    if (l instanceof Long a && r instanceof Long b) {
      return exact(() -> Math.multiplyExact(a, b));
    }
    return Values.decimal(l).multiply(Values.decimal(r));
  }

  @Override
  public Object divide(Object left, Object right) {
    Object l = operand("/", left, right);
    Object r = Values.number((Number) right);
    if (Values.decimal(r).signum() == 0) {
      throw new EvaluationFailure("division by zero");
    }
    if (l instanceof Long a && r instanceof Long b) {
      return exact(() -> Math.divideExact(a, b));
    }
    return Values.decimal(l).divide(Values.decimal(r), DIVISION);
  }

  @Override
  public Object mod(Object left, Object right) {
    Object l = operand("%", left, right);
    Object r = Values.number((Number) right);
    if (Values.decimal(r).signum() == 0) {
      throw new EvaluationFailure("division by zero");
    }
    if (l instanceof Long a && r instanceof Long b) {
      return a % b;
    }
    return Values.decimal(l).remainder(Values.decimal(r), DIVISION);
  }

  @Override
  public Object negate(Object value) {
    Object n = Values.numberOrNull(value);
    if (n instanceof Long l) {
      return exact(() -> Math.negateExact(l));
    }
    if (n instanceof BigDecimal d) {
      return d.negate();
    }
    throw new EvaluationFailure("'-' needs a number but got " + Values.describe(value));
  }

  @Override
  public Object positivize(Object value) {
    Object n = Values.numberOrNull(value);
    if (n == null) {
      throw new EvaluationFailure("'+' needs a number but got " + Values.describe(value));
    }
    return n;
  }

  // ---- comparisons

  @Override
  public boolean equals(Object left, Object right) {
    return Values.same(left, right);
  }

  @Override
  public boolean strictEquals(Object left, Object right) {
    return Values.same(left, right);
  }

  @Override
  public boolean lessThan(Object left, Object right) {
    return compare(left, right) < 0;
  }

  @Override
  public boolean lessThanOrEqual(Object left, Object right) {
    return compare(left, right) <= 0;
  }

  @Override
  public boolean greaterThan(Object left, Object right) {
    return compare(left, right) > 0;
  }

  @Override
  public boolean greaterThanOrEqual(Object left, Object right) {
    return compare(left, right) >= 0;
  }

  private static int compare(Object left, Object right) {
    Object l = Values.numberOrNull(left);
    Object r = Values.numberOrNull(right);
    if (l != null && r != null) {
      return Values.compareNumbers(l, r);
    }
    if (left instanceof String a && right instanceof String b) {
      return a.compareTo(b);
    }
    throw new EvaluationFailure(
        "cannot compare " + Values.describe(left) + " with " + Values.describe(right));
  }

  // ---- booleans: true, false, and null which counts as false (JEXL's ternary treats a null
  // condition as false before asking the arithmetic; null is false everywhere for consistency)

  @Override
  public Object not(Object value) {
    return !truth("'!'", value);
  }

  @Override
  public boolean toBoolean(Object value) {
    return truth("a condition", value);
  }

  @Override
  protected boolean toBoolean(boolean strict, Object value) {
    return truth("a condition", value);
  }

  @Override
  public boolean testPredicate(Object value) {
    return truth("a condition", value);
  }

  private static boolean truth(String what, Object value) {
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw new EvaluationFailure(what + " needs a boolean but got " + Values.describe(value));
  }

  // ---- everything else JEXL could call is outside the language (also rejected at parse time)

  @Override
  public Object and(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Object or(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Object xor(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Object complement(Object value) {
    throw unsupported();
  }

  @Override
  public Object shiftLeft(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Object shiftRight(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Object shiftRightUnsigned(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Boolean contains(Object container, Object value) {
    throw unsupported();
  }

  @Override
  public Boolean startsWith(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Boolean endsWith(Object left, Object right) {
    throw unsupported();
  }

  @Override
  public Iterable<?> createRange(Object from, Object to) {
    throw unsupported();
  }

  @Override
  public Object increment(Object value) {
    throw unsupported();
  }

  @Override
  public Object decrement(Object value) {
    throw unsupported();
  }

  @Override
  public Boolean isEmpty(Object value) {
    throw unsupported();
  }

  @Override
  public Integer size(Object value) {
    throw unsupported();
  }

  // ---- helpers

  /** Checks both operands are numbers; returns the normalised left one. */
  private static Object operand(String op, Object left, Object right) {
    Object l = Values.numberOrNull(left);
    Object r = Values.numberOrNull(right);
    if (l == null || r == null) {
      throw new EvaluationFailure(
          "cannot apply '"
              + op
              + "' to "
              + Values.describe(left)
              + " and "
              + Values.describe(right));
    }
    return l;
  }

  private static String concatText(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return Values.text(Values.normalise(value));
    }
    throw new EvaluationFailure("cannot add " + Values.describe(value) + " to a string");
  }

  private interface LongOp {
    long apply();
  }

  private static Long exact(LongOp op) {
    try {
      return op.apply();
    } catch (ArithmeticException overflow) {
      throw new EvaluationFailure("integer overflow");
    }
  }

  private static EvaluationFailure unsupported() {
    return new EvaluationFailure("operation not supported");
  }
}
