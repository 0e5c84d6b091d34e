package dev.runbook.engine.expr;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A YAML string with zero or more {@code ${{ }}} expressions. Immutable, thread-safe. */
public sealed interface Template permits Template.Text, Template.Single, Template.Interpolated {

  /** No expression at all (also returned for strings without "${{"); escapes already resolved. */
  record Text(String text) implements Template {
    public Text {
      Objects.requireNonNull(text, "text");
    }

    @Override
    public List<Expression> expressions() {
      return List.of();
    }

    @Override
    public Object render(Map<String, ?> scope) {
      return text;
    }
  }

  /**
   * The whole string (ignoring surrounding whitespace) is one expression: its value keeps its type.
   */
  record Single(Expression expression) implements Template {
    public Single {
      Objects.requireNonNull(expression, "expression");
    }

    @Override
    public List<Expression> expressions() {
      return List.of(expression);
    }

    @Override
    public Object render(Map<String, ?> scope) throws ExpressionException {
      return expression.evaluate(scope);
    }
  }

  /** Text mixed with expressions; parts are String or Expression, in order. Renders to a String. */
  record Interpolated(List<Object> parts) implements Template {
    public Interpolated {
      parts = List.copyOf(parts);
      for (Object part : parts) {
        if (!(part instanceof String || part instanceof Expression)) {
          throw new IllegalArgumentException("parts are String or Expression");
        }
      }
    }

    @Override
    public List<Expression> expressions() {
      return parts.stream()
          .filter(Expression.class::isInstance)
          .map(Expression.class::cast)
          .toList();
    }

    @Override
    public Object render(Map<String, ?> scope) throws ExpressionException {
      StringBuilder text = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Expression expression) {
          Object value = expression.evaluate(scope);
          if (value instanceof Map || value instanceof List) {
            throw new ExpressionException(Messages.NO_TEXT_FORM, expression.offset());
          }
          text.append(Values.text(value));
        } else {
          text.append((String) part);
        }
      }
      return text.toString();
    }
  }

  /** The expressions, in order. */
  List<Expression> expressions();

  /**
   * Single: the value as-is (String, Long, BigDecimal, Boolean, null, Map, List). Interpolated: the
   * concatenation, where integers have no ".0", decimals are plain without trailing zeros, null is
   * "", booleans are true/false, and a map or list is an error "cannot put a map/list into text".
   * Text: the text.
   */
  Object render(Map<String, ?> scope) throws ExpressionException;

  /** Splits a YAML string into text and expressions and parses each expression. */
  static Template parse(String raw) throws ExpressionException {
    return TemplateParser.parse(raw);
  }

  /** Cheap check whether {@code raw} has an (unescaped) "${{". */
  static boolean containsExpression(String raw) {
    return TemplateParser.containsExpression(raw);
  }
}
