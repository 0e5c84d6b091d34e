package dev.runbook.engine.sql;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.Statements;

/** Runs JSqlParser with a time limit and turns its failures into one short line. */
final class SqlParsing {

  /** How long one parse may take. */
  static final long TIMEOUT_MILLIS = 2_000;

  /** Daemon threads, so that a parse that ignores its time limit never keeps the JVM alive. */
  private static final ExecutorService PARSERS =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "sql-guard-parser");
            thread.setDaemon(true);
            return thread;
          });

  private static final Pattern POSITION = Pattern.compile("line (\\d+), column (\\d+)");
  private static final int MAX_IMAGE = 40;

  /** The parsed statements, or why there are none. */
  record Result(List<Statement> statements, String error) {}

  private SqlParsing() {}

  static Result parse(String sql) {
    try {
      Statements statements =
          CCJSqlParserUtil.parseStatements(
              sql, PARSERS, parser -> parser.withTimeOut(TIMEOUT_MILLIS));
      return new Result(List.copyOf(statements), null);
    } catch (Exception | StackOverflowError e) {
      return new Result(List.of(), reason(e));
    }
  }

  /** A one-line reason: never a multi-line dump, never the list of expected tokens. */
  static String reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return "took too long";
      }
      if (t instanceof StackOverflowError) {
        return "nested too deeply";
      }
      if (t instanceof ParseException parseException) {
        String reason = fromParseException(parseException);
        if (reason != null) {
          return reason;
        }
      }
      if (t.getCause() == null || t.getCause() == t) {
        String message = t.getMessage() == null ? "" : t.getMessage();
        Matcher m = POSITION.matcher(message);
        if (message.startsWith("Lexical error") && m.find()) {
          return "unexpected character at line " + m.group(1) + ", column " + m.group(2);
        }
        if (m.find(0)) {
          return "syntax error at line " + m.group(1) + ", column " + m.group(2);
        }
        return "syntax error";
      }
    }
    return "syntax error";
  }

  private static String fromParseException(ParseException e) {
    Token token = e.currentToken == null ? null : e.currentToken.next;
    if (token == null) {
      return null;
    }
    if (token.kind == 0) {
      return "unexpected end of SQL";
    }
    String image = token.image == null ? "" : token.image.replaceAll("\\s+", " ");
    if (image.length() > MAX_IMAGE) {
      image = image.substring(0, MAX_IMAGE) + "...";
    }
    return "unexpected \""
        + image
        + "\" at line "
        + token.beginLine
        + ", column "
        + token.beginColumn;
  }
}
