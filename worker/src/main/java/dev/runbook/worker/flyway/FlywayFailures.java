package dev.runbook.worker.flyway;

import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.SqlFailures;
import dev.runbook.worker.sql.SqlTarget;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.postgresql.util.PSQLException;

/**
 * Flyway's exceptions as typed failures with one readable message: which migration (version and
 * script), the database's own error (its primary message, SQL state), and what was left behind.
 * Secrets are cut out of every text; connection and credential problems keep the SQL steps' types
 * (TRANSIENT, CONFIGURATION).
 */
final class FlywayFailures {
  /** The runbook that reverts partial changes and repairs the history. */
  static final String REPAIR_RUNBOOK = "runbooks/migration-repair.yaml";

  private FlywayFailures() {}

  static ApplicationFailure of(
      RuntimeException e, String what, SqlTarget target, List<String> secrets) {
    String where = target.name() + " (" + target.environment() + ")";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CredentialSource.CredentialException missing) {
        return FailureType.CONFIGURATION.failure(missing.getMessage());
      }
    }
    SQLException sql = sqlCause(e);
    if (sql != null && SqlFailures.isAuthentication(sql.getSQLState(), sql.getErrorCode())) {
      return FailureType.CONFIGURATION.failure(
          where + " refused the credentials of secret " + target.secretId());
    }
    if (e instanceof FlywayMigrateException failed) {
      return migrationFailed(failed, sql, target, secrets);
    }
    if (sql != null && isConnection(sql)) {
      return FailureType.TRANSIENT.failure(
          "cannot connect to "
              + target.describe()
              + " for "
              + what
              + ": "
              + SqlFailures.clean(primary(sql), secrets));
    }
    if (e instanceof FlywayValidateException) {
      String text = firstLines(e.getMessage(), secrets);
      return FailureType.MIGRATION_FAILED.failure(
          "validation failed before "
              + what
              + " on "
              + where
              + ": "
              + text
              + (text.toLowerCase(java.util.Locale.ROOT).contains("failed migration")
                  ? "; revert its partial changes and repair with " + REPAIR_RUNBOOK
                  : ""));
    }
    if (e instanceof FlywayException) {
      return FailureType.MIGRATION_FAILED.failure(
          what + " failed on " + where + ": " + firstLines(e.getMessage(), secrets));
    }
    return FailureType.STEP_FAILED.failure(
        what + " failed on " + where + ": " + firstLines(String.valueOf(e.getMessage()), secrets));
  }

  /** What a failed migration left: nothing (one transaction) or maybe partial changes. */
  static ApplicationFailure migrationFailed(
      FlywayMigrateException e, SQLException sql, SqlTarget target, List<String> secrets) {
    MigrationInfo migration = e.getMigration();
    String version =
        migration == null || migration.getVersion() == null
            ? "(repeatable)"
            : migration.getVersion().getVersion();
    String script = migration == null ? "?" : migration.getScript();
    String error =
        sql != null
            ? SqlFailures.clean(primary(sql), secrets)
                + (sql.getSQLState() == null ? "" : " [" + sql.getSQLState() + "]")
            : firstLines(e.getMessage(), secrets);
    boolean partial = partialChangesPossible(target, e.isExecutableInTransaction());
    return FailureType.MIGRATION_FAILED.failure(
        "migration "
            + version
            + " ("
            + script
            + (e.getLineNumber() > 0 ? ", line " + e.getLineNumber() : "")
            + ") failed on "
            + target.name()
            + " ("
            + target.environment()
            + "): "
            + error
            + "; "
            + (partial
                ? leftBehind(target)
                : "it ran in one transaction that was rolled back: nothing of it was applied"));
  }

  /** The warning for a migration that may have left partial changes. */
  static String leftBehind(SqlTarget target) {
    return (target.engine().mysqlFamily()
            ? "MySQL/MariaDB DDL is not transactional, so the statements before the failing one"
            : "it did not run in a transaction, so the statements before the failing one")
        + " may have left partial changes; the schema history marks it failed: revert them and"
        + " repair with "
        + REPAIR_RUNBOOK;
  }

  static boolean partialChangesPossible(SqlTarget target, boolean inTransaction) {
    return target.engine().mysqlFamily() || !inTransaction;
  }

  static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
    }
    return null;
  }

  private static boolean isConnection(SQLException e) {
    String state = e.getSQLState();
    return e instanceof java.sql.SQLTransientConnectionException
        || e instanceof java.sql.SQLNonTransientConnectionException
        || state != null && state.startsWith("08");
  }

  /** The server's own message (PostgreSQL without DETAIL/HINT; others their first line). */
  static String primary(SQLException e) {
    if (e instanceof PSQLException p
        && p.getServerErrorMessage() != null
        && p.getServerErrorMessage().getMessage() != null) {
      return p.getServerErrorMessage().getMessage();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  /** Up to three non-blank lines of {@code text}, joined, cleaned of secrets, at most 500 chars. */
  static String firstLines(String text, List<String> secrets) {
    String joined =
        String.join(
            "; ",
            (text == null ? "" : text)
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.chars().allMatch(c -> c == '-'))
                .limit(3)
                .toList());
    return SqlFailures.clean(joined, secrets);
  }
}
