package dev.runbook.worker.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Holds a session on the newest snapshot of a database, so that a restore copying from it waits in
 * the middle of its step: PostgreSQL copies a database only while no one else is connected to it,
 * and the local provider has already recorded the restore as {@code creating} in its registry. A
 * worker killed there leaves that record behind for the retry to find.
 */
final class CopyBlocker implements AutoCloseable {
  private static final String REGISTRY = "runbook_cloud";

  private final CrashCluster cluster;
  private Connection held;

  private CopyBlocker(CrashCluster cluster, Connection held) {
    this.cluster = cluster;
    this.held = held;
  }

  static CopyBlocker onNewestSnapshotOf(CrashCluster cluster, String database) throws SQLException {
    String snapshot;
    try (Connection c = cluster.connect(REGISTRY);
        PreparedStatement q =
            c.prepareStatement(
                "SELECT database_name FROM runbook_local_cloud WHERE kind = 'snapshot'"
                    + " AND source_database = ? AND status = 'available'"
                    + " ORDER BY taken_at DESC LIMIT 1")) {
      q.setString(1, database);
      try (ResultSet r = q.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("no snapshot of " + database + " to hold");
        }
        snapshot = r.getString(1);
      }
    }
    return new CopyBlocker(cluster, cluster.connect(snapshot));
  }

  /** Whether the step has recorded its restore and is now waiting to copy (or copying). */
  boolean stepWaits(String runId, String stepId) throws SQLException {
    try (Connection c = cluster.connect(REGISTRY);
        PreparedStatement q =
            c.prepareStatement(
                "SELECT count(*) FROM runbook_local_cloud WHERE run_id = ? AND step_id = ?"
                    + " AND status = 'creating'")) {
      q.setString(1, runId);
      q.setString(2, stepId);
      try (ResultSet r = q.executeQuery()) {
        r.next();
        return r.getLong(1) > 0;
      }
    }
  }

  boolean holding() {
    return held != null;
  }

  /** Lets the copy go on. */
  @Override
  public void close() throws SQLException {
    if (held != null) {
      held.close();
      held = null;
    }
  }
}
