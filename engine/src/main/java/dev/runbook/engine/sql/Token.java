package dev.runbook.engine.sql;

/**
 * One lexical token of SQL text, outside comments.
 *
 * @param kind what it is
 * @param text the source text; for {@link Kind#QUOTED} and {@link Kind#NAMED_PARAM} the name
 *     without quotes or colon
 * @param start offset of the first character in the source
 */
record Token(Kind kind, String text, int start) {

  enum Kind {
    /** An unquoted word: keyword or identifier. */
    WORD,
    /** A "double-quoted" or `backticked` identifier (or MySQL double-quoted string). */
    QUOTED,
    /** A 'single-quoted' string literal. */
    STRING,
    NUMBER,
    /** {@code :name}. */
    NAMED_PARAM,
    /** {@code ?} or {@code $1}. */
    POSITIONAL_PARAM,
    SEMICOLON,
    LPAREN,
    RPAREN,
    LBRACKET,
    RBRACKET,
    DOT,
    /** Any other operator or punctuation. */
    OP
  }

  boolean isWord(String word) {
    return kind == Kind.WORD && text.equalsIgnoreCase(word);
  }

  /** The name an identifier token stands for, without quotes. */
  boolean isName() {
    return kind == Kind.WORD || kind == Kind.QUOTED;
  }
}
