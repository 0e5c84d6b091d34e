package dev.runbook.engine.sql;

import dev.runbook.engine.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * A small SQL tokenizer that is deliberately stricter than any database: whatever PostgreSQL and
 * MySQL would read differently (comment styles, backslash escapes, executable comments, dollar
 * quotes) is refused, so that the tokens the guards look at are the tokens the server executes.
 */
final class SqlLexer {

  /** Tokens of the text, or the reason it is refused. */
  record Result(List<Token> tokens, String error) {}

  private final String sql;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private int bracketDepth;

  private SqlLexer(String sql) {
    this.sql = sql;
  }

  static Result lex(String sql) {
    SqlLexer lexer = new SqlLexer(sql);
    String error = lexer.run();
    return new Result(List.copyOf(lexer.tokens), error);
  }

  private String run() {
    int n = sql.length();
    while (pos < n) {
      char c = sql.charAt(pos);
      char next = pos + 1 < n ? sql.charAt(pos + 1) : '\0';
      if (Character.isWhitespace(c)) {
        pos++;
      } else if (c == '-' && next == '-') {
        String error = lineComment();
        if (error != null) {
          return error;
        }
      } else if (c == '/' && next == '*') {
        String error = blockComment();
        if (error != null) {
          return error;
        }
      } else if (c == '#') {
        return "\"#\" is a comment in MySQL but an operator in PostgreSQL" + at(pos);
      } else if (c == '\'') {
        String error = quoted('\'', Kind.STRING, true);
        if (error != null) {
          return error;
        }
      } else if (c == '"') {
        String error = quoted('"', Kind.QUOTED, true);
        if (error != null) {
          return error;
        }
      } else if (c == '`') {
        String error = quoted('`', Kind.QUOTED, false);
        if (error != null) {
          return error;
        }
      } else if (c == '$') {
        String error = dollar();
        if (error != null) {
          return error;
        }
      } else if (c == ':') {
        colon(next);
      } else if (c == '?') {
        add(Kind.POSITIONAL_PARAM, "?", pos, pos + 1);
      } else if (isIdentStart(c)) {
        int start = pos;
        while (pos < n && isIdentPart(sql.charAt(pos))) {
          pos++;
        }
        tokens.add(new Token(Kind.WORD, sql.substring(start, pos), start));
      } else if (Character.isDigit(c)) {
        number();
      } else {
        punctuation(c);
      }
    }
    return null;
  }

  private String lineComment() {
    int start = pos;
    pos += 2;
    if (pos < sql.length() && !Character.isWhitespace(sql.charAt(pos))) {
      return "write \"-- \" with a space: MySQL does not read \"--\" directly followed by text as a"
          + " comment"
          + at(start);
    }
    while (pos < sql.length() && sql.charAt(pos) != '\n' && sql.charAt(pos) != '\r') {
      pos++;
    }
    return null;
  }

  private String blockComment() {
    int start = pos;
    pos += 2;
    if (sql.startsWith("!", pos) || sql.startsWith("M!", pos)) {
      return "MySQL executable comments (/*! ... */) are not allowed" + at(start);
    }
    while (pos < sql.length()) {
      if (sql.startsWith("*/", pos)) {
        pos += 2;
        return null;
      }
      if (sql.startsWith("/*", pos)) {
        return "nested comments are not allowed" + at(pos);
      }
      pos++;
    }
    return "unterminated comment" + at(start);
  }

  /**
   * A quoted token. A doubled quote stands for itself. When {@code backslashMatters}, a quote after
   * an odd run of backslashes is refused: MySQL reads it as escaped, PostgreSQL as the end.
   */
  private String quoted(char quote, Kind kind, boolean backslashMatters) {
    int start = pos;
    pos++;
    StringBuilder value = new StringBuilder();
    int backslashes = 0;
    while (pos < sql.length()) {
      char c = sql.charAt(pos);
      if (c == quote) {
        if (backslashMatters && backslashes % 2 == 1) {
          return "a backslash before a quote is read differently by MySQL and PostgreSQL"
              + at(pos - 1);
        }
        if (pos + 1 < sql.length() && sql.charAt(pos + 1) == quote) {
          value.append(quote);
          pos += 2;
          backslashes = 0;
          continue;
        }
        pos++;
        String text = kind == Kind.STRING ? sql.substring(start, pos) : value.toString();
        tokens.add(new Token(kind, text, start));
        return null;
      }
      backslashes = c == '\\' ? backslashes + 1 : 0;
      value.append(c);
      pos++;
    }
    return (kind == Kind.STRING ? "unterminated string literal" : "unterminated quoted identifier")
        + at(start);
  }

  private String dollar() {
    int start = pos;
    int i = pos + 1;
    if (i < sql.length() && Character.isDigit(sql.charAt(i))) {
      while (i < sql.length() && Character.isDigit(sql.charAt(i))) {
        i++;
      }
      add(Kind.POSITIONAL_PARAM, sql.substring(start, i), start, i);
      return null;
    }
    while (i < sql.length() && isIdentPart(sql.charAt(i)) && sql.charAt(i) != '$') {
      i++;
    }
    if (i < sql.length() && sql.charAt(i) == '$') {
      return "dollar-quoted strings are not supported" + at(start);
    }
    add(Kind.OP, "$", start, start + 1);
    return null;
  }

  private void colon(char next) {
    int start = pos;
    if (next == ':' || next == '=') {
      add(Kind.OP, sql.substring(start, start + 2), start, start + 2);
      return;
    }
    boolean slice = bracketDepth > 0 && !tokens.isEmpty() && isValue(tokens.getLast());
    if (isIdentStart(next) && !slice) {
      int i = start + 1;
      while (i < sql.length() && isIdentPart(sql.charAt(i)) && sql.charAt(i) != '$') {
        i++;
      }
      tokens.add(new Token(Kind.NAMED_PARAM, sql.substring(start + 1, i), start));
      pos = i;
      return;
    }
    add(Kind.OP, ":", start, start + 1);
  }

  private void number() {
    int start = pos;
    while (pos < sql.length()
        && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '.')) {
      pos++;
    }
    tokens.add(new Token(Kind.NUMBER, sql.substring(start, pos), start));
  }

  private void punctuation(char c) {
    Kind kind =
        switch (c) {
          case ';' -> Kind.SEMICOLON;
          case '(' -> Kind.LPAREN;
          case ')' -> Kind.RPAREN;
          case '[' -> Kind.LBRACKET;
          case ']' -> Kind.RBRACKET;
          case '.' -> Kind.DOT;
          default -> Kind.OP;
        };
    if (kind == Kind.LBRACKET) {
      bracketDepth++;
    } else if (kind == Kind.RBRACKET && bracketDepth > 0) {
      bracketDepth--;
    }
    add(kind, String.valueOf(c), pos, pos + 1);
  }

  private void add(Kind kind, String text, int start, int end) {
    tokens.add(new Token(kind, text, start));
    pos = end;
  }

  private static boolean isValue(Token token) {
    return switch (token.kind()) {
      case WORD, QUOTED, NUMBER, NAMED_PARAM, RPAREN, RBRACKET, STRING -> true;
      default -> false;
    };
  }

  private static boolean isIdentStart(char c) {
    return c == '_' || Character.isLetter(c);
  }

  private static boolean isIdentPart(char c) {
    return c == '_' || c == '$' || Character.isLetterOrDigit(c);
  }

  private String at(int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < sql.length(); i++) {
      if (sql.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return " at line " + line + ", column " + column;
  }
}
