package dev.runbook.worker.prisma;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.PrismaActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.ConnectionPools;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.RevertGuard;
import dev.runbook.worker.sql.SqlFailures;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.activity.Activity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;

/**
 * {@code prisma.revert}: runs the {@code revert} statements that undo what a failed Prisma
 * migration left, through the worker's SQL targets (tunnels and credentials as for the SQL steps;
 * pools of its own, so its session settings never reach a SQL step's connection). Each statement is
 * checked by the guards in the migration context again (DDL allowed; WHERE required; one statement;
 * no transaction control, {@code ?}, {@code :name} or server functions).
 *
 * <p>It runs only while {@code _prisma_migrations} has a row for the migration with {@code
 * finished_at} and {@code rolled_back_at} empty (the name bound, never spliced). On PostgreSQL that
 * check locks the row and the statements follow in the same transaction, so a concurrent {@code
 * prisma migrate resolve} waits; MySQL/MariaDB commit each DDL statement on its own. The row stays
 * failed afterwards (marking it rolled back is {@code prisma migrate resolve --rolled-back}), so a
 * retried attempt cannot tell whether an earlier one ran: it is refused.
 */
public final class PrismaReverts implements PrismaActivities, AutoCloseable {
  static final int LOCK_TIMEOUT_SECONDS = 10;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}");
  private static final String CHECK =
      "SELECT finished_at IS NULL AND rolled_back_at IS NULL, rolled_back_at IS NOT NULL"
          + " FROM _prisma_migrations WHERE migration_name = ? FOR UPDATE";

  private final SqlTargets targets;
  private final ConnectionPools pools;

  public PrismaReverts(SqlTargets targets, Duration connectTimeout) {
    this.targets = targets;
    this.pools = new ConnectionPools(connectTimeout);
  }

  @Override
  public StepResult revert(StepRequest request) {
    JsonNode with = request.with();
    String migration = with.path("migration").asText("");
    if (!NAME.matcher(migration).matches()) {
      throw FailureType.INVALID_PLAN.failure(
          "migration: the failed Prisma migration's name is required, e.g."
              + " 20261201000000_add_status; got '"
              + cap(migration)
              + "'");
    }
    List<String> statements = new ArrayList<>();
    with.path("revert")
        .forEach(
            s -> {
              if (s.isTextual() && !s.asText().isBlank()) {
                statements.add(s.asText());
              }
            });
    if (statements.isEmpty()) {
      throw FailureType.INVALID_PLAN.failure(
          "revert: no statement to run for " + migration + " (an empty or omitted sql param)");
    }
    RevertGuard.check(statements);
    SqlTarget target = targets.get(request.environment(), with.path("database").asText(""));
    int attempt = attempt();
    if (attempt > 1) {
      throw FailureType.MIGRATION_FAILED.failure(
          "attempt "
              + attempt
              + " of the revert of "
              + migration
              + " on "
              + where(target)
              + ": an earlier attempt may have run part or all of it, so it is not run again;"
              + " check the schema with a query, then run the repair again with the statements"
              + " still needed");
    }
    boolean postgres = !target.engine().mysqlFamily();
    run(target, migration, statements, postgres);
    ObjectNode outputs = NODES.objectNode();
    outputs.put("migration", migration);
    outputs.put("reverted", statements.size());
    ArrayNode list = outputs.putArray("statements");
    statements.forEach(list::add);
    outputs.put("transactional", postgres);
    String summary =
        statements.size()
            + " revert statement(s) of failed migration "
            + migration
            + " ran on "
            + where(target)
            + (postgres
                ? " in one transaction"
                : ", each committed on its own (MySQL/MariaDB DDL is not transactional)")
            + "; _prisma_migrations still marks it failed until prisma migrate resolve"
            + " --rolled-back";
    return new StepResult(outputs, summary);
  }

  private void run(SqlTarget target, String migration, List<String> statements, boolean postgres) {
    List<String> secrets = List.of();
    try (Connection connection = pools.connect(target)) {
      secrets = pools.secretsOf(target);
      int done = 0;
      boolean checked = false;
      try (Statement s = connection.createStatement()) {
        if (postgres) {
          connection.setAutoCommit(false);
          s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT_SECONDS + "s'");
        } else {
          s.execute("SET SESSION lock_wait_timeout = " + LOCK_TIMEOUT_SECONDS);
        }
        check(connection, target, migration);
        checked = true;
        for (String sql : statements) {
          s.execute(sql);
          done++;
        }
        if (postgres) {
          connection.commit();
        }
      } catch (SQLException e) {
        if (postgres) {
          rollbackQuietly(connection);
        }
        throw failure(e, target, migration, statements.size(), checked, done, postgres, secrets);
      } catch (RuntimeException e) {
        if (postgres) {
          rollbackQuietly(connection);
        }
        throw e;
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

  /** Fails (MIGRATION_FAILED) unless {@code _prisma_migrations} marks the migration failed. */
  private static void check(Connection connection, SqlTarget target, String migration)
      throws SQLException {
    int rows = 0;
    int failed = 0;
    int rolledBack = 0;
    try (PreparedStatement q = connection.prepareStatement(CHECK)) {
      q.setString(1, migration);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          rows++;
          failed += rs.getBoolean(1) ? 1 : 0;
          rolledBack += rs.getBoolean(2) ? 1 : 0;
        }
      }
    }
    if (failed > 0) {
      return;
    }
    String state =
        rows == 0
            ? "has no migration " + migration
            : rolledBack > 0
                ? "marks " + migration + " rolled back already"
                : "marks " + migration + " finished (it did not fail)";
    throw FailureType.MIGRATION_FAILED.failure(
        "_prisma_migrations of "
            + where(target)
            + " "
            + state
            + ": nothing to revert; the revert was not run");
  }

  private static RuntimeException failure(
      SQLException e,
      SqlTarget target,
      String migration,
      int total,
      boolean checked,
      int done,
      boolean postgres,
      List<String> secrets) {
    String state = e.getSQLState();
    String error =
        SqlFailures.clean(primary(e), secrets) + (state == null ? "" : " [" + state + "]");
    if (state != null && state.startsWith("08")) {
      // the connection broke: what ran is unknown on MySQL/MariaDB, and nothing is retried
      return FailureType.MIGRATION_FAILED.failure(
          "the connection to "
              + where(target)
              + " broke during the revert of "
              + migration
              + ": "
              + error
              + (postgres
                  ? "; an uncommitted transaction is rolled back by the server"
                  : "; " + done + " of " + total + " statements had run and committed")
              + "; check the schema before running the repair again");
    }
    if (!checked) {
      boolean noTable = "42P01".equals(state) || "42S02".equals(state);
      return FailureType.MIGRATION_FAILED.failure(
          (noTable
                  ? "no _prisma_migrations table on " + where(target) + " (not migrated by Prisma?)"
                  : "reading _prisma_migrations of " + where(target) + " failed: " + error)
              + "; the revert was not run");
    }
    return FailureType.MIGRATION_FAILED.failure(
        "revert statement "
            + (done + 1)
            + " of "
            + total
            + " for failed migration "
            + migration
            + " failed on "
            + where(target)
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
            + "; _prisma_migrations still marks "
            + migration
            + " failed");
  }

  /** The server's own message (PostgreSQL without DETAIL/HINT; others their first line). */
  private static String primary(SQLException e) {
    if (e instanceof PSQLException p
        && p.getServerErrorMessage() != null
        && p.getServerErrorMessage().getMessage() != null) {
      return p.getServerErrorMessage().getMessage();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  private static String where(SqlTarget target) {
    return target.name() + " (" + target.environment() + ")";
  }

  private static String cap(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  private static int attempt() {
    try {
      return Activity.getExecutionContext().getInfo().getAttempt();
    } catch (IllegalStateException e) {
      return 1; // called directly, outside an activity (tests, tools)
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

  /** Lets go of the pooled connections to {@code target} (before the local provider copies it). */
  public void releaseConnections(SqlTarget target, boolean dropPool) {
    pools.release(target, dropPool);
  }

  /** Closes the connection pools (the worker does on shutdown). */
  @Override
  public void close() {
    pools.close();
  }
}
