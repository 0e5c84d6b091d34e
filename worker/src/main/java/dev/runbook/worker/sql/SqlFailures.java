package dev.runbook.worker.sql;

import dev.runbook.engine.workflow.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns driver exceptions into typed, readable failures. The driver's text is reduced to the
 * server's primary message (no DETAIL with row values, no URL) and any known secret is cut out, so
 * a failure message never carries a credential.
 */
public final class SqlFailures {
  private SqlFailures() {}

  /** Timeouts in force, for messages. */
  record Timeouts(Duration statement, Duration lock) {}

  /**
   * The failure for {@code e}, raised while doing {@code what} on {@code target}.
   *
   * @param secrets strings that must not appear in the message (the password)
   */
  static ApplicationFailure of(
      SQLException e, String what, SqlTarget target, Timeouts timeouts, List<String> secrets) {
    String state = sqlState(e);
    int code = vendorCode(e);
    String server = clean(primaryMessage(e), secrets);
    String where = target.name() + " (" + target.environment() + ")";
    if (isLockTimeout(state, code)) {
      return FailureType.TRANSIENT.failure(
          "lock timeout: "
              + what
              + " on "
              + where
              + " waited longer than "
              + human(timeouts.lock())
              + " for a lock held by another session; nothing was changed ("
              + server
              + ")");
    }
    if (isStatementTimeout(e, state, code)) {
      return FailureType.SQL_ERROR.failure(
          "statement timeout: "
              + what
              + " on "
              + where
              + " ran longer than "
              + human(timeouts.statement())
              + " and was cancelled; nothing was changed ("
              + server
              + ")");
    }
    if (isConnectionLost(e, state, code)) {
      return FailureType.TRANSIENT.failure(
          "the connection to "
              + where
              + " was lost during "
              + what
              + "; nothing was committed ("
              + server
              + ")");
    }
    if (isAuthentication(state, code)) {
      return FailureType.CONFIGURATION.failure(
          where + " refused the credentials of secret " + target.secretId());
    }
    if (state != null && (state.equals("40001") || state.equals("40P01") || code == 1213)) {
      return FailureType.TRANSIENT.failure(
          "deadlock or serialization failure during " + what + " on " + where + ": " + server);
    }
    return FailureType.SQL_ERROR.failure(
        what + " failed on " + where + ": " + server + (state == null ? "" : " [" + state + "]"));
  }

  /** A failure to get a connection from the pool. */
  public static ApplicationFailure connect(SQLException e, SqlTarget target, List<String> secrets) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof CredentialSource.CredentialException missing) {
      return FailureType.CONFIGURATION.failure(missing.getMessage());
    }
    SQLException driver = cause instanceof SQLException s ? s : e;
    if (isAuthentication(sqlState(driver), vendorCode(driver))) {
      return FailureType.CONFIGURATION.failure(
          target.describe() + " refused the credentials of secret " + target.secretId());
    }
    return FailureType.TRANSIENT.failure(
        "cannot connect to " + target.describe() + ": " + clean(primaryMessage(driver), secrets));
  }

  public static boolean isLockTimeout(String state, int code) {
    return "55P03".equals(state) || code == 1205;
  }

  static boolean isStatementTimeout(SQLException e, String state, int code) {
    return "57014".equals(state)
        || code == 1969
        || code == 3024
        || "70100".equals(state) && code != 1927
        || e instanceof SQLTimeoutException;
  }

  static boolean isConnectionLost(SQLException e, String state, int code) {
    return e instanceof SQLTransientConnectionException
        || e instanceof java.sql.SQLNonTransientConnectionException
        || e instanceof java.sql.SQLRecoverableException
        || state != null && (state.startsWith("08") || state.startsWith("57P"))
        || code == 1927
        || code == 2006
        || code == 2013;
  }

  public static boolean isAuthentication(String state, int code) {
    return "28P01".equals(state) || "28000".equals(state) || code == 1045;
  }

  /** True for a unique-key violation (the ledger's duplicate key). */
  static boolean isDuplicateKey(SQLException e) {
    String state = sqlState(e);
    return "23505".equals(state) || vendorCode(e) == 1062;
  }

  private static String sqlState(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      if (s.getSQLState() != null) {
        return s.getSQLState();
      }
    }
    return e.getCause() instanceof SQLException c ? c.getSQLState() : null;
  }

  private static int vendorCode(SQLException e) {
    return e.getErrorCode() != 0
        ? e.getErrorCode()
        : e.getCause() instanceof SQLException c ? c.getErrorCode() : 0;
  }

  /** The server's own message without DETAIL, HINT or WHERE lines, and without the URL. */
  private static String primaryMessage(SQLException e) {
    if (e instanceof PSQLException p) {
      ServerErrorMessage server = p.getServerErrorMessage();
      if (server != null && server.getMessage() != null) {
        return server.getMessage();
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  /** {@code text} with every secret (and every long enough part of one) replaced by ***. */
  public static String clean(String text, List<String> secrets) {
    String out = text == null ? "" : text;
    List<String> sorted = new ArrayList<>();
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        sorted.add(secret);
      }
    }
    sorted.sort((a, b) -> b.length() - a.length());
    for (String secret : sorted) {
      out = out.replace(secret, "***");
    }
    out = out.replaceAll("(?i)(password|pwd)=[^&;\\s]*", "$1=***");
    return out.length() > 500 ? out.substring(0, 500) + "..." : out;
  }

  static String human(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
