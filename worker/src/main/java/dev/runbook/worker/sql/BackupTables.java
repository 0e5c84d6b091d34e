package dev.runbook.worker.sql;

import dev.runbook.engine.workflow.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The backup tables the engine made in one database, for {@code runbook backups list|prune}: only
 * tables recorded in {@value Ledger#BACKUPS} (by {@code sql.backup} and {@code backup: true}) for
 * the target's environment, named {@code rb_bk_...}, in the engine's schema. A table that is not
 * recorded there is never listed or dropped, whatever its name. Connections come from the same
 * pools and {@link CredentialSource} as the steps (credentials read at the point of use); failures
 * are the steps' typed failures, without secrets.
 *
 * <p>{@link #drop}: PostgreSQL drops the table and deletes its record in one transaction. MySQL and
 * MariaDB commit around DDL, so the table is dropped first and the record deleted right after; a
 * record whose table is gone (an interrupted prune) is removed by the next prune.
 */
public final class BackupTables implements AutoCloseable {
  private static final Pattern BACKUP_NAME = Pattern.compile("^rb_bk_[a-z0-9_]{1,57}$");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

  /**
   * One recorded backup.
   *
   * @param table the backup table
   * @param sourceTable the table it copied rows from
   * @param runId the run that took it
   * @param stepId the step that took it
   * @param rows its row count when taken
   * @param checksum its checksum when taken
   * @param createdAt when it was taken, UTC, {@code yyyy-MM-ddTHH:mm:ssZ}
   * @param ageSeconds its age by the database server's clock
   * @param exists whether the table is there (false: a prune was interrupted after the drop)
   * @param bytes its size on disk, or -1 when not known
   */
  public record Backup(
      String table,
      String sourceTable,
      String runId,
      String stepId,
      long rows,
      String checksum,
      String createdAt,
      long ageSeconds,
      boolean exists,
      long bytes) {}

  private final SqlSettings settings;
  private final ConnectionPools pools;

  public BackupTables(SqlSettings settings) {
    this.settings = settings;
    this.pools = new ConnectionPools(settings.connectTimeout());
  }

  /**
   * Every backup recorded for {@code target}'s environment, oldest first, whether its table is
   * still there or not. Creates nothing: a database without {@value Ledger#BACKUPS} has none.
   */
  public List<Backup> records(SqlTarget target) {
    try (Session session = Session.open(pools, target)) {
      try {
        session.begin(true, TIMEOUT, LOCK_TIMEOUT);
        Ledger ledger = Ledger.of(session, settings);
        String schema = schema(session);
        if (!tableExists(session, schema, Ledger.BACKUPS)) {
          session.connection.commit();
          return List.of();
        }
        Map<String, Long> existing = backupTables(session, schema);
        boolean pg = session.dialect instanceof Dialect.Postgres;
        String sql =
            "SELECT backup_table, source_table, run_id, step_id, row_count, checksum, "
                + (pg
                    ? "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                        + " CAST(floor(EXTRACT(EPOCH FROM (now() - created_at))) AS bigint)"
                    : "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'),"
                        + " TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(3))")
                + " FROM "
                + ledger.qualified(Ledger.BACKUPS)
                + " WHERE environment = ? ORDER BY created_at, backup_table";
        List<Backup> out = new ArrayList<>();
        try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
          ps.setString(1, target.environment());
          try (ResultSet r = ps.executeQuery()) {
            while (r.next()) {
              String name = r.getString(1);
              if (!BACKUP_NAME.matcher(name).matches()) {
                continue; // not a name the engine gives: never touched
              }
              Long bytes = existing.get(name);
              out.add(
                  new Backup(
                      name,
                      r.getString(2),
                      r.getString(3),
                      r.getString(4),
                      r.getLong(5),
                      r.getString(6),
                      r.getString(7),
                      r.getLong(8),
                      bytes != null,
                      bytes == null ? -1 : bytes));
            }
          }
        }
        session.connection.commit();
        return out;
      } catch (SQLException e) {
        session.rollbackQuietly();
        throw session.fail(e, "reading " + Ledger.BACKUPS);
      }
    }
  }

  /**
   * Drops the backup table {@code name} and deletes its record, when it is still recorded for
   * {@code target}'s environment and at least {@code olderThan} old (checked again here, under a
   * lock of the record on PostgreSQL).
   *
   * @return false when there was nothing to do (no such record, or not old enough any more)
   */
  public boolean drop(SqlTarget target, String name, Duration olderThan) {
    if (!BACKUP_NAME.matcher(name).matches()) {
      throw FailureType.NOT_OWNED.failure(
          name + " is not a backup table the engine made (rb_bk_<run>_<step>_<hash>)");
    }
    try (Session session = Session.open(pools, target)) {
      Ledger ledger = Ledger.of(session, settings);
      try {
        session.begin(false, TIMEOUT, LOCK_TIMEOUT);
        String schema = schema(session);
        String table = session.dialect.quote(schema) + "." + session.dialect.quote(name);
        boolean pg = session.dialect instanceof Dialect.Postgres;
        String select =
            "SELECT backup_table FROM "
                + ledger.qualified(Ledger.BACKUPS)
                + " WHERE backup_table = ? AND environment = ? AND "
                + (pg
                    ? "created_at <= now() - make_interval(secs => ?)"
                    : "created_at <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND")
                + " FOR UPDATE";
        try (PreparedStatement ps = session.connection.prepareStatement(select)) {
          ps.setString(1, name);
          ps.setString(2, target.environment());
          ps.setLong(3, olderThan.toSeconds());
          try (ResultSet r = ps.executeQuery()) {
            if (!r.next()) {
              session.connection.rollback();
              return false;
            }
          }
        }
        if (pg) {
          try (Statement s = session.connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
          }
          deleteRecord(session.connection, ledger, name, target.environment());
          session.connection.commit();
          return true;
        }
        // MySQL/MariaDB: DDL commits. Drop first, then the record: a prune stopped in between
        // leaves a record without a table, which the next prune deletes.
        session.connection.commit();
        session.connection.setAutoCommit(true);
        try (Statement s = session.connection.createStatement()) {
          s.execute("SET SESSION lock_wait_timeout = " + LOCK_TIMEOUT.toSeconds());
          s.execute("DROP TABLE IF EXISTS " + table);
        }
        session.begin(false, TIMEOUT, LOCK_TIMEOUT);
        deleteRecord(session.connection, ledger, name, target.environment());
        session.connection.commit();
        return true;
      } catch (SQLException e) {
        session.rollbackQuietly();
        throw session.fail(e, "dropping backup " + name);
      }
    }
  }

  private static void deleteRecord(
      Connection connection, Ledger ledger, String name, String environment) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "DELETE FROM "
                + ledger.qualified(Ledger.BACKUPS)
                + " WHERE backup_table = ? AND environment = ?")) {
      ps.setString(1, name);
      ps.setString(2, environment);
      ps.executeUpdate();
    }
  }

  /** The engine's schema: the configured one, else the connection's default. */
  private String schema(Session session) throws SQLException {
    String configured = Ledger.schemaOf(session.target, settings);
    if (configured != null) {
      return configured;
    }
    String sql =
        session.dialect instanceof Dialect.Postgres
            ? "SELECT current_schema()"
            : "SELECT DATABASE()";
    try (Statement s = session.connection.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  private static boolean tableExists(Session session, String schema, String table)
      throws SQLException {
    String sql =
        session.dialect instanceof Dialect.Postgres
            ? "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')"
            : "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                + " AND TABLE_TYPE = 'BASE TABLE'";
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet r = ps.executeQuery()) {
        return r.next();
      }
    }
  }

  /** The tables of {@code schema} named like backups, with their size in bytes. */
  private static Map<String, Long> backupTables(Session session, String schema)
      throws SQLException {
    String sql =
        session.dialect instanceof Dialect.Postgres
            ? "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p')"
                + " AND c.relname LIKE 'rb\\_bk\\_%'"
            : "SELECT TABLE_NAME, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)"
                + " FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME LIKE 'rb\\_bk\\_%'";
    Map<String, Long> out = new HashMap<>();
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ps.setString(1, schema);
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          out.put(r.getString(1), r.getLong(2));
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    pools.close();
  }
}
