package dev.runbook.engine.expr;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A small scanner over expression source, run before JEXL: it bounds size and nesting, rejects
 * characters outside the language (comments, {@code #}, {@code ;}, backtick templates), checks
 * quotes and brackets, and finds tokens for error messages.
 */
final class Lexer {
  /** Longest expression source accepted. */
  static final int MAX_LENGTH = 2000;

  /** Deepest bracket nesting accepted. */
  static final int MAX_NESTING = 32;

  private static final List<String> OPERATORS =
      List.of(
          ">>>=", "===", "!==", ">>>", "<<=", ">>=", "...", "==", "!=", "<=", ">=", "&&", "||",
          "=~", "!~", "=^", "!^", "=$", "!$", "?.", "??", "?:", "..", "->", "=>", "++", "--", "+=",
          "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>");

  private Lexer() {}

  /** A token of the source: its text and 0-based start index. */
  record Token(String text, int start) {
    int end() {
      return start + text.length();
    }
  }

  /**
   * Checks what can be checked without a parser.
   *
   * @param source trimmed expression source
   * @param base index of {@code source} in the original string, for error offsets
   */
  static void precheck(String source, int base) throws ExpressionException {
    if (source.length() > MAX_LENGTH) {
      throw new ExpressionException(Messages.TOO_COMPLEX, base);
    }
    Deque<Integer> open = new ArrayDeque<>();
    int n = source.length();
    for (int i = 0; i < n; i++) {
      char c = source.charAt(i);
      switch (c) {
        case '\'', '"' -> {
          int end = stringEnd(source, i);
          if (end < 0) {
            throw syntax(source, base, i, "unterminated string at " + position(source, i));
          }
          i = end;
        }
        case '`' -> throw syntax(source, base, i, unexpected(source, i, "`"));
        case '#', ';' -> throw new ExpressionException(Messages.statements(source), base + i);
        case '/' -> {
          if (i + 1 < n && (source.charAt(i + 1) == '/' || source.charAt(i + 1) == '*')) {
            throw syntax(source, base, i, "comments are not allowed at " + position(source, i));
          }
        }
        case '(', '[', '{' -> {
          open.push(i);
          if (open.size() > MAX_NESTING) {
            throw new ExpressionException(Messages.TOO_COMPLEX, base + i);
          }
        }
        case ')', ']', '}' -> {
          if (open.isEmpty() || source.charAt(open.peek()) != opener(c)) {
            throw syntax(source, base, i, unexpected(source, i, String.valueOf(c)));
          }
          open.pop();
        }
        default -> {}
      }
    }
    if (!open.isEmpty()) {
      int at = open.peek();
      throw syntax(
          source,
          base,
          at,
          "'" + source.charAt(at) + "' at " + position(source, at) + " is never closed");
    }
  }

  /** Index of the quote closing the string literal opened at {@code start}, or -1. */
  static int stringEnd(String source, int start) {
    char quote = source.charAt(start);
    for (int j = start + 1; j < source.length(); j++) {
      char c = source.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == quote) {
        return j;
      }
    }
    return -1;
  }

  /** The token at or after {@code index} (whitespace skipped), or null at the end. */
  static Token tokenAt(String source, int index) {
    int i = Math.max(0, index);
    int n = source.length();
    while (i < n && Character.isWhitespace(source.charAt(i))) {
      i++;
    }
    if (i >= n) {
      return null;
    }
    char c = source.charAt(i);
    int end;
    if (c == '\'' || c == '"') {
      int close = stringEnd(source, i);
      end = close < 0 ? n : close + 1;
    } else if (Character.isDigit(c)) {
      end = i;
      while (end < n
          && (Character.isLetterOrDigit(source.charAt(end))
              || source.charAt(end) == '.'
                  && end + 1 < n
                  && Character.isDigit(source.charAt(end + 1)))) {
        end++;
      }
    } else if (Character.isJavaIdentifierStart(c)) {
      end = i;
      while (end < n && Character.isJavaIdentifierPart(source.charAt(end))) {
        end++;
      }
    } else {
      end = i + 1;
      for (String op : OPERATORS) {
        if (source.startsWith(op, i)) {
          end = i + op.length();
          break;
        }
      }
    }
    return new Token(source.substring(i, end), i);
  }

  /** "column 5", or "line 2, column 3" for multi-line source; 1-based. */
  static String position(String source, int index) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < Math.min(index, source.length()); i++) {
      if (source.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int column = index - lineStart + 1;
    return line == 1 && source.indexOf('\n') < 0
        ? "column " + column
        : "line " + line + ", column " + column;
  }

  /** 0-based index in {@code source} of a 1-based line and column as JEXL reports them. */
  static int index(String source, int line, int column) {
    int i = 0;
    for (int l = 1; l < line && i < source.length(); i++) {
      if (source.charAt(i) == '\n') {
        l++;
      }
    }
    return Math.max(0, Math.min(source.length(), i + Math.max(column, 1) - 1));
  }

  static String unexpected(String source, int index, String token) {
    return "unexpected '" + token + "' at " + position(source, index);
  }

  static ExpressionException syntax(String source, int base, int index, String reason) {
    return new ExpressionException(Messages.invalid(source, reason), base + index);
  }

  private static char opener(char closer) {
    return switch (closer) {
      case ')' -> '(';
      case ']' -> '[';
      default -> '{';
    };
  }
}
