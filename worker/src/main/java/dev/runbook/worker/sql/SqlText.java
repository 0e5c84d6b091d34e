package dev.runbook.worker.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tokens of SQL text that the guards accepted, with their source offsets: enough to turn {@code
 * :name} placeholders into JDBC {@code ?} positions and to find clauses (WHERE, RETURNING) at the
 * top level. Strings, quoted identifiers, comments, {@code ::} casts and {@code :=} are skipped
 * exactly as {@code SqlGuard}'s tokenizer reads them, so a {@code :name} inside a literal or a
 * comment is never a placeholder, and a bind value can never become SQL.
 */
final class SqlText {

  /** What a token is. */
  enum Kind {
    WORD,
    QUOTED,
    STRING,
    NUMBER,
    NAMED,
    LPAREN,
    RPAREN,
    SEMICOLON,
    OTHER
  }

  /**
   * One token.
   *
   * @param depth parenthesis depth at the token (0: top level)
   */
  record Token(Kind kind, String text, int start, int end, int depth) {
    boolean isWord(String word) {
      return kind == Kind.WORD && text.equalsIgnoreCase(word);
    }
  }

  /** SQL for JDBC ({@code ?} for each placeholder) and the placeholder names in order. */
  record Jdbc(String sql, List<String> names) {}

  private final String sql;
  private final List<Token> tokens;

  private SqlText(String sql, List<Token> tokens) {
    this.sql = sql;
    this.tokens = tokens;
  }

  static SqlText of(String sql) {
    return new SqlText(sql, lex(sql));
  }

  String sql() {
    return sql;
  }

  List<Token> tokens() {
    return tokens;
  }

  /** The text with every {@code :name} replaced by {@code ?}, and the names in order. */
  Jdbc jdbc() {
    StringBuilder out = new StringBuilder(sql.length());
    List<String> names = new ArrayList<>();
    int copied = 0;
    for (Token t : tokens) {
      if (t.kind() == Kind.NAMED) {
        out.append(sql, copied, t.start()).append('?');
        names.add(t.text());
        copied = t.end();
      }
    }
    out.append(sql, copied, sql.length());
    return new Jdbc(out.toString(), List.copyOf(names));
  }

  /** Index of the first top-level word token equal to {@code word}, or -1. */
  int topLevel(String word) {
    return topLevel(word, 0);
  }

  int topLevel(String word, int from) {
    for (int i = from; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.depth() == 0 && t.isWord(word)) {
        return i;
      }
    }
    return -1;
  }

  /** The text without a trailing {@code ;} and blanks. */
  String withoutTerminator() {
    int end = sql.length();
    for (int i = tokens.size() - 1; i >= 0 && tokens.get(i).kind() == Kind.SEMICOLON; i--) {
      end = tokens.get(i).start();
    }
    return sql.substring(0, end).strip();
  }

  private static List<Token> lex(String sql) {
    List<Token> tokens = new ArrayList<>();
    int n = sql.length();
    int pos = 0;
    int depth = 0;
    int brackets = 0;
    while (pos < n) {
      char c = sql.charAt(pos);
      char next = pos + 1 < n ? sql.charAt(pos + 1) : '\0';
      int start = pos;
      if (Character.isWhitespace(c)) {
        pos++;
      } else if (c == '-' && next == '-') {
        while (pos < n && sql.charAt(pos) != '\n' && sql.charAt(pos) != '\r') {
          pos++;
        }
      } else if (c == '/' && next == '*') {
        int close = sql.indexOf("*/", pos + 2);
        pos = close < 0 ? n : close + 2;
      } else if (c == '\'' || c == '"' || c == '`') {
        pos = quoted(sql, pos, c);
        tokens.add(
            new Token(
                c == '\'' ? Kind.STRING : Kind.QUOTED,
                sql.substring(start, pos),
                start,
                pos,
                depth));
      } else if (c == ':') {
        if (next == ':' || next == '=') {
          pos += 2;
          tokens.add(new Token(Kind.OTHER, sql.substring(start, pos), start, pos, depth));
        } else if (isIdentStart(next) && !(brackets > 0 && isValue(tokens))) {
          pos++;
          while (pos < n && isIdentPart(sql.charAt(pos)) && sql.charAt(pos) != '$') {
            pos++;
          }
          tokens.add(new Token(Kind.NAMED, sql.substring(start + 1, pos), start, pos, depth));
        } else {
          pos++;
          tokens.add(new Token(Kind.OTHER, ":", start, pos, depth));
        }
      } else if (isIdentStart(c)) {
        while (pos < n && isIdentPart(sql.charAt(pos))) {
          pos++;
        }
        tokens.add(new Token(Kind.WORD, sql.substring(start, pos), start, pos, depth));
      } else if (Character.isDigit(c)) {
        while (pos < n && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '.')) {
          pos++;
        }
        tokens.add(new Token(Kind.NUMBER, sql.substring(start, pos), start, pos, depth));
      } else {
        pos++;
        Kind kind =
            switch (c) {
              case '(' -> Kind.LPAREN;
              case ')' -> Kind.RPAREN;
              case ';' -> Kind.SEMICOLON;
              default -> Kind.OTHER;
            };
        if (kind == Kind.RPAREN) {
          depth = Math.max(0, depth - 1);
        }
        if (c == '[') {
          brackets++;
        } else if (c == ']' && brackets > 0) {
          brackets--;
        }
        tokens.add(new Token(kind, String.valueOf(c), start, pos, depth));
        if (kind == Kind.LPAREN) {
          depth++;
        }
      }
    }
    return List.copyOf(tokens);
  }

  /** The end (exclusive) of a quoted token; a doubled quote stands for itself. */
  private static int quoted(String sql, int start, char quote) {
    int pos = start + 1;
    while (pos < sql.length()) {
      if (sql.charAt(pos) == quote) {
        if (pos + 1 < sql.length() && sql.charAt(pos + 1) == quote) {
          pos += 2;
          continue;
        }
        return pos + 1;
      }
      pos++;
    }
    return sql.length();
  }

  private static boolean isValue(List<Token> tokens) {
    if (tokens.isEmpty()) {
      return false;
    }
    Token last = tokens.getLast();
    return switch (last.kind()) {
      case WORD, QUOTED, NUMBER, NAMED, RPAREN, STRING -> true;
      case OTHER -> last.text().equals("]");
      default -> false;
    };
  }

  private static boolean isIdentStart(char c) {
    return c == '_' || Character.isLetter(c);
  }

  private static boolean isIdentPart(char c) {
    return c == '_' || c == '$' || Character.isLetterOrDigit(c);
  }

  /** Lower-case word text, for comparisons. */
  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
