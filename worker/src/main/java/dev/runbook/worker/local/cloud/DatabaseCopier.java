package dev.runbook.worker.local.cloud;

import dev.runbook.engine.workflow.FailureType;
import io.temporal.activity.Activity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code CREATE DATABASE copy TEMPLATE source} and {@code DROP DATABASE}, from the maintenance
 * database. PostgreSQL refuses to copy a database while any other session is connected to it
 * (SQLSTATE 55006): the worker's own pooled sessions are let go first, then the copy is tried again
 * for up to {@link #PATIENCE} (sessions that were busy close when returned); after that the step
 * fails TRANSIENT naming the sessions still there, so Temporal retries it under the step's policy.
 * The embedded PostgreSQL has no pg_dump, and a template copy is exact and fast, so no dump.
 */
final class DatabaseCopier {
  static final Duration PATIENCE = Duration.ofSeconds(15);
  private static final String IN_USE = "55006";

  private DatabaseCopier() {}

  /** Copies {@code source} into the new database {@code copy}; {@code release} runs first. */
  static void copy(PgServer server, String source, String copy, Runnable release) {
    release.run();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    for (int attempt = 1; ; attempt++) {
      try (Connection c = server.connect(PgServer.MAINTENANCE);
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE DATABASE "
                + CloudNames.quoted(copy)
                + " TEMPLATE "
                + CloudNames.quoted(source));
        return;
      } catch (SQLException e) {
        if (!IN_USE.equals(e.getSQLState())) {
          throw server.failure(e, "copying " + source + " to " + copy);
        }
        if (System.nanoTime() > deadline) {
          throw FailureType.TRANSIENT.failure(
              "cannot copy "
                  + source
                  + " to "
                  + copy
                  + ": PostgreSQL copies a database only while no other session is connected to"
                  + " it, and "
                  + sessions(server, source)
                  + " stayed connected for "
                  + PATIENCE.toSeconds()
                  + "s; close them (e.g. psql) and the step is retried");
        }
      }
      heartbeat("waiting for the sessions on " + source + " to close (attempt " + attempt + ")");
      release.run();
      sleep(Math.min(1000, 100L * attempt));
    }
  }

  /** Drops {@code database}, ending any session still on it (PostgreSQL 13+). */
  static void drop(PgServer server, String database, Runnable release) {
    release.run();
    try (Connection c = server.connect(PgServer.MAINTENANCE);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + CloudNames.quoted(database) + " WITH (FORCE)");
    } catch (SQLException e) {
      throw server.failure(e, "dropping " + database);
    }
  }

  /** "2 sessions (psql, app)" on {@code database}, for the message. */
  private static String sessions(PgServer server, String database) {
    List<String> names = new ArrayList<>();
    try (Connection c = server.connect(PgServer.MAINTENANCE);
        PreparedStatement q =
            c.prepareStatement(
                "SELECT coalesce(nullif(application_name, ''), 'pid ' || pid) FROM"
                    + " pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
      q.setString(1, database);
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          names.add(r.getString(1));
        }
      }
    } catch (SQLException | RuntimeException e) {
      return "other sessions";
    }
    return names.size()
        + (names.size() == 1 ? " session" : " sessions")
        + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")");
  }

  /** Heartbeats when running as an activity (tests call the provider directly too). */
  static void heartbeat(String detail) {
    try {
      Activity.getExecutionContext().heartbeat(detail);
    } catch (IllegalStateException e) {
      // not inside an activity
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.TRANSIENT.failure("interrupted while waiting to copy a database");
    }
  }
}
