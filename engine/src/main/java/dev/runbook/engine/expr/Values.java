package dev.runbook.engine.expr;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The value model of expressions: normalisation, type names for messages, text rendering. */
final class Values {
  /** Maps and lists nested deeper than this are refused (also guards against cycles). */
  static final int MAX_VALUE_DEPTH = 64;

  private Values() {}

  /**
   * Integers become {@link Long}, decimals {@link BigDecimal}; maps and lists are copied into
   * unmodifiable ones with normalised content. Anything outside the value model is refused.
   */
  static Object normalise(Object value) {
    return normalise(value, 0);
  }

  private static Object normalise(Object value, int depth) {
    if (value == null || value instanceof String || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Number n) {
      return number(n);
    }
    if (depth >= MAX_VALUE_DEPTH) {
      throw new EvaluationFailure("value nested too deeply");
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new EvaluationFailure("unsupported value");
        }
        copy.put(key, normalise(e.getValue(), depth + 1));
      }
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object o : list) {
        copy.add(normalise(o, depth + 1));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new EvaluationFailure("unsupported value");
  }

  /** A number as {@link Long} or {@link BigDecimal}. */
  static Object number(Number n) {
    if (n instanceof Long || n instanceof BigDecimal) {
      return n;
    }
    if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
      return n.longValue();
    }
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw new EvaluationFailure("not a finite number");
      }
      return n instanceof Float ? new BigDecimal(n.toString()) : BigDecimal.valueOf(d);
    }
    if (n instanceof BigInteger b) {
      if (b.bitLength() < Long.SIZE) {
        return b.longValue();
      }
      throw new EvaluationFailure("integer out of range");
    }
    throw new EvaluationFailure("unsupported value");
  }

  /** {@code value} as {@link Long} or {@link BigDecimal}, or null when it is not a number. */
  static Object numberOrNull(Object value) {
    return value instanceof Number n ? number(n) : null;
  }

  static BigDecimal decimal(Object normalisedNumber) {
    return normalisedNumber instanceof Long l
        ? BigDecimal.valueOf(l)
        : (BigDecimal) normalisedNumber;
  }

  /** "a string", "an integer"...: a type for messages, never a Java class name. */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte
        || value instanceof BigInteger) {
      return "an integer";
    }
    if (value instanceof Number) {
      return "a decimal";
    }
    if (value instanceof Map) {
      return "a map";
    }
    if (value instanceof List) {
      return "a list";
    }
    return "an unsupported value";
  }

  /**
   * Equality of the value model: numbers by value ({@code 1 == 1.0}), strings, booleans, maps and
   * lists structurally; values of different types are never equal (no coercion).
   */
  static boolean same(Object left, Object right) {
    return same(left, right, 0);
  }

  private static boolean same(Object left, Object right, int depth) {
    if (left == null || right == null) {
      return left == right;
    }
    if (depth >= MAX_VALUE_DEPTH) {
      throw new EvaluationFailure("value nested too deeply");
    }
    Object ln = numberOrNull(left);
    Object rn = numberOrNull(right);
    if (ln != null || rn != null) {
      return ln != null && rn != null && compareNumbers(ln, rn) == 0;
    }
    if (left instanceof Map<?, ?> lm && right instanceof Map<?, ?> rm) {
      if (lm.size() != rm.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : lm.entrySet()) {
        if (!rm.containsKey(e.getKey()) || !same(e.getValue(), rm.get(e.getKey()), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (left instanceof List<?> ll && right instanceof List<?> rl) {
      if (ll.size() != rl.size()) {
        return false;
      }
      for (int i = 0; i < ll.size(); i++) {
        if (!same(ll.get(i), rl.get(i), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return (left instanceof String && right instanceof String
            || left instanceof Boolean && right instanceof Boolean)
        && left.equals(right);
  }

  /** Compares two normalised numbers ({@link Long} or {@link BigDecimal}). */
  static int compareNumbers(Object left, Object right) {
    if (left instanceof Long l && right instanceof Long r) {
      return Long.compare(l, r);
    }
    return decimal(left).compareTo(decimal(right));
  }

  /**
   * A normalised value as text: integers without ".0", decimals in plain notation without trailing
   * zeros, booleans as true/false, null as the empty string. Maps and lists have no text form.
   */
  static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Boolean || value instanceof Long) {
      return value.toString();
    }
    if (value instanceof BigDecimal d) {
      return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
    if (value instanceof Number n) {
      return text(number(n));
    }
    throw new EvaluationFailure("cannot put a map/list into text");
  }
}
