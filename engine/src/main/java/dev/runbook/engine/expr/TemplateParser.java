package dev.runbook.engine.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Splits raw strings at {@code ${{ ... }}}; {@code $${{} is the escape for a literal "${{". */
final class TemplateParser {
  static final String OPEN = "${{";
  static final String ESCAPED_OPEN = "$${{";
  static final String CLOSE = "}}";

  private TemplateParser() {}

  static boolean containsExpression(String raw) {
    if (raw == null) {
      return false;
    }
    for (int i = raw.indexOf(OPEN); i >= 0; i = raw.indexOf(OPEN, i + 1)) {
      if (!escaped(raw, i)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the "${{" at {@code i} is the tail of a "$${{" escape. Scanning left to right, any '$'
   * right before "${{" starts an escape, however many '$' precede it.
   */
  private static boolean escaped(String raw, int i) {
    return i > 0 && raw.charAt(i - 1) == '$';
  }

  static Template parse(String raw) throws ExpressionException {
    Objects.requireNonNull(raw, "raw");
    if (!raw.contains(OPEN)) {
      return new Template.Text(raw);
    }
    List<Object> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    int n = raw.length();
    while (i < n) {
      if (raw.startsWith(ESCAPED_OPEN, i)) {
        text.append(OPEN);
        i += ESCAPED_OPEN.length();
      } else if (raw.startsWith(OPEN, i)) {
        int contentStart = i + OPEN.length();
        int close = closing(raw, contentStart);
        if (close < 0) {
          throw new ExpressionException(Messages.UNCLOSED, i);
        }
        int start = contentStart;
        int end = close;
        while (start < end && Character.isWhitespace(raw.charAt(start))) {
          start++;
        }
        while (end > start && Character.isWhitespace(raw.charAt(end - 1))) {
          end--;
        }
        if (start == end) {
          throw new ExpressionException(Messages.EMPTY, i);
        }
        if (!text.isEmpty()) {
          parts.add(text.toString());
          text.setLength(0);
        }
        parts.add(Expression.create(raw.substring(start, end), i, start));
        i = close + CLOSE.length();
      } else {
        text.append(raw.charAt(i));
        i++;
      }
    }
    if (!text.isEmpty()) {
      parts.add(text.toString());
    }
    List<Expression> expressions = new ArrayList<>();
    boolean blankText = true;
    for (Object part : parts) {
      if (part instanceof Expression e) {
        expressions.add(e);
      } else if (!((String) part).isBlank()) {
        blankText = false;
      }
    }
    if (expressions.isEmpty()) {
      return new Template.Text(String.join("", parts.stream().map(String.class::cast).toList()));
    }
    if (expressions.size() == 1 && blankText) {
      return new Template.Single(expressions.get(0));
    }
    return new Template.Interpolated(parts);
  }

  /**
   * Index of the "}}" closing an expression whose content starts at {@code from}; "}}" inside a
   * quoted string does not count. -1 when there is none.
   */
  private static int closing(String raw, int from) {
    int n = raw.length();
    for (int i = from; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '\'' || c == '"') {
        int end = Lexer.stringEnd(raw, i);
        if (end < 0) {
          // an unterminated string: close at the first "}}" and let the lexer report the string
          return raw.indexOf(CLOSE, from);
        }
        i = end;
      } else if (raw.startsWith(CLOSE, i)) {
        return i;
      }
    }
    return -1;
  }
}
