package dev.runbook.engine.sql;

import dev.runbook.engine.sql.Token.Kind;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a statement is by its leading keywords. This works on tokens, so transaction control and DDL
 * are recognised even where the parser does not know the syntax.
 *
 * @param category the kind of statement
 * @param keyword the words naming it in findings, upper case (e.g. {@code DROP TABLE})
 */
record Lead(Category category, String keyword) {

  enum Category {
    TRANSACTION_CONTROL,
    DDL,
    /** A known statement that is neither a query nor a data change (CALL, SET, LOCK, COPY...). */
    OTHER_COMMAND,
    /** Anything else; the parser decides. */
    UNKNOWN
  }

  private static final Set<String> OTHER_COMMANDS =
      Set.of(
          "ANALYZE",
          "CALL",
          "CHECKPOINT",
          "CLOSE",
          "CLUSTER",
          "COPY",
          "DEALLOCATE",
          "DECLARE",
          "DESC",
          "DESCRIBE",
          "DISCARD",
          "DO",
          "EXEC",
          "EXECUTE",
          "EXPLAIN",
          "FETCH",
          "FLUSH",
          "HANDLER",
          "IMPORT",
          "KILL",
          "LISTEN",
          "LOAD",
          "LOCK",
          "MOVE",
          "NOTIFY",
          "OPTIMIZE",
          "PREPARE",
          "PURGE",
          "REASSIGN",
          "REFRESH",
          "REINDEX",
          "RESET",
          "SECURITY",
          "SET",
          "SHOW",
          "UNLISTEN",
          "UNLOCK",
          "USE",
          "VACUUM");

  private static final Set<String> DDL_MODIFIERS =
      Set.of(
          "OR",
          "REPLACE",
          "UNIQUE",
          "TEMP",
          "TEMPORARY",
          "UNLOGGED",
          "GLOBAL",
          "LOCAL",
          "FULLTEXT",
          "SPATIAL",
          "ONLINE",
          "OFFLINE",
          "IF",
          "NOT",
          "EXISTS",
          "RECURSIVE");

  private static final Set<String> TWO_WORD_OBJECTS =
      Set.of("MATERIALIZED", "FOREIGN", "EVENT", "DEFAULT", "TEXT", "ACCESS", "OPERATOR");

  static Lead of(List<Token> statement) {
    List<String> words =
        statement.stream()
            .dropWhile(t -> t.kind() == Kind.LPAREN)
            .takeWhile(t -> t.kind() == Kind.WORD)
            .map(t -> t.text().toUpperCase(Locale.ROOT))
            .toList();
    if (words.isEmpty()) {
      return new Lead(Category.UNKNOWN, "");
    }
    String first = words.getFirst();
    String second = words.size() > 1 ? words.get(1) : "";
    return switch (first) {
      case "BEGIN", "COMMIT", "ROLLBACK", "ABORT", "END", "SAVEPOINT", "XA" -> tc(first);
      case "START" -> second.equals("TRANSACTION") ? tc("START TRANSACTION") : other(first);
      case "RELEASE" -> tc("RELEASE SAVEPOINT");
      case "PREPARE" -> second.equals("TRANSACTION") ? tc("PREPARE TRANSACTION") : other(first);
      case "SET" -> set(statement);
      case "CREATE", "ALTER", "DROP" -> ddl(first, words);
      case "TRUNCATE", "RENAME" -> new Lead(Category.DDL, withTable(first, second));
      case "COMMENT" ->
          second.equals("ON") ? new Lead(Category.DDL, "COMMENT ON") : other("COMMENT");
      case "GRANT", "REVOKE" -> new Lead(Category.DDL, first);
      default -> OTHER_COMMANDS.contains(first) ? other(first) : new Lead(Category.UNKNOWN, first);
    };
  }

  boolean is(Category c) {
    return category == c;
  }

  private static Lead tc(String keyword) {
    return new Lead(Category.TRANSACTION_CONTROL, keyword);
  }

  private static Lead other(String keyword) {
    return new Lead(Category.OTHER_COMMAND, keyword);
  }

  private static String withTable(String verb, String next) {
    return next.equals("TABLE") ? verb + " TABLE" : verb;
  }

  private static Lead ddl(String verb, List<String> words) {
    int i = 1;
    while (i < words.size() && DDL_MODIFIERS.contains(words.get(i))) {
      i++;
    }
    if (i >= words.size()) {
      return new Lead(Category.DDL, verb);
    }
    String object = words.get(i);
    if (TWO_WORD_OBJECTS.contains(object) && i + 1 < words.size()) {
      object = object + " " + words.get(i + 1);
    }
    return new Lead(Category.DDL, verb + " " + object);
  }

  /** SET of a transaction setting or of autocommit is transaction control; other SETs are not. */
  private static Lead set(List<Token> statement) {
    for (Token token : statement) {
      if (token.kind() == Kind.OP && (token.text().equals("=") || token.text().equals(":="))) {
        break;
      }
      if (token.isWord("TO")) {
        break;
      }
      if (token.kind() != Kind.WORD) {
        continue;
      }
      String word = token.text().toUpperCase(Locale.ROOT);
      if (word.equals("AUTOCOMMIT")) {
        return tc("SET AUTOCOMMIT");
      }
      if (word.equals("TRANSACTION")
          || word.startsWith("TRANSACTION_")
          || word.startsWith("TX_")
          || word.equals("IMPLICIT_TRANSACTIONS")) {
        return tc("SET TRANSACTION");
      }
    }
    return other("SET");
  }
}
