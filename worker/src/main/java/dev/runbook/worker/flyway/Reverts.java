package dev.runbook.worker.flyway;

import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.ConnectionPools;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.SqlFailures;
import dev.runbook.worker.sql.SqlTarget;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Runs the revert statements of a failed migration's partial changes, once {@link
 * dev.runbook.worker.sql.RevertGuard} has passed them. PostgreSQL runs them in one transaction with
 * a lock timeout; MySQL/MariaDB commit each DDL statement, so a failure there says which ones
 * already ran.
 */
final class Reverts {
  static final int LOCK_TIMEOUT_SECONDS = 10;

  private Reverts() {}

  /** Runs {@code statements}; returns how many ran. */
  static int run(ConnectionPools pools, SqlTarget target, String version, List<String> statements) {
    String where = target.name() + " (" + target.environment() + ")";
    int done = 0;
    try (Connection connection = pools.connect(target)) {
      boolean postgres = !target.engine().mysqlFamily();
      try (Statement s = connection.createStatement()) {
        if (postgres) {
          connection.setAutoCommit(false);
          s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT_SECONDS + "s'");
        } else {
          s.execute("SET SESSION lock_wait_timeout = " + LOCK_TIMEOUT_SECONDS);
        }
        for (String sql : statements) {
          s.execute(sql);
          done++;
        }
        if (postgres) {
          connection.commit();
        }
        return done;
      } catch (SQLException e) {
        if (postgres) {
          rollbackQuietly(connection);
        }
        String error =
            SqlFailures.clean(FlywayFailures.primary(e), pools.secretsOf(target))
                + (e.getSQLState() == null ? "" : " [" + e.getSQLState() + "]");
        throw FailureType.MIGRATION_FAILED.failure(
            "revert statement "
                + (done + 1)
                + " of "
                + statements.size()
                + " for failed migration "
                + version
                + " failed on "
                + where
                + ": "
                + error
                + "; "
                + (postgres
                    ? "the revert ran in one transaction that was rolled back: nothing changed"
                    : done == 0
                        ? "no revert statement had run"
                        : "statements 1 to "
                            + done
                            + " ran and committed (MySQL/MariaDB DDL is not transactional)")
                + "; the schema history still marks "
                + version
                + " failed");
      } finally {
        if (postgres) {
          restoreAutoCommit(connection);
        }
      }
    } catch (SQLException e) {
      throw SqlFailures.connect(e, target, pools.secretsOf(target));
    } catch (RuntimeException e) {
      if (e.getCause() instanceof CredentialSource.CredentialException c) {
        throw FailureType.CONFIGURATION.failure(c.getMessage());
      }
      throw e;
    }
  }

  private static void restoreAutoCommit(Connection connection) {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      // a broken connection: the pool discards it
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // the connection is going back to the pool, which rolls back too
    }
  }
}
