package dev.runbook.worker.local.cloud;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the {@code local} provider made: one row per snapshot and restored instance in the table
 * {@value #TABLE} of the database {@value #DATABASE} on the same server, created on first use. A
 * row is written (status {@code creating}) before its database is created and names the run, step
 * and idempotency key, so a retry finds its own work and a run can never drop what another made.
 */
final class CloudRegistry {
  static final String DATABASE = "runbook_cloud";
  static final String TABLE = "runbook_local_cloud";
  static final String SNAPSHOT = "snapshot";
  static final String INSTANCE = "instance";
  static final String CREATING = "creating";
  static final String AVAILABLE = "available";
  static final String DELETED = "deleted";

  /**
   * One snapshot or restored instance.
   *
   * @param id the RDS-style identifier the run named it by
   * @param database the PostgreSQL database holding it
   * @param source the environment's database name it copies (e.g. {@code platform})
   * @param restoredFrom for an instance: the snapshot it was made from, or {@code latest}
   * @param takenAt when its copy was made (null while creating)
   */
  record Entry(
      String environment,
      String kind,
      String id,
      String database,
      String source,
      String sourceDatabase,
      String restoredFrom,
      String runId,
      String stepId,
      String idempotencyKey,
      String status,
      Instant takenAt) {}

  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  /** Creates the registry database and table on {@code server} if missing. */
  void ensure(PgServer server) {
    String key = server.host() + ":" + server.port();
    if (ready.contains(key)) {
      return;
    }
    if (!databaseExists(server, DATABASE)) {
      try (Connection c = server.connect(PgServer.MAINTENANCE);
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + DATABASE);
      } catch (SQLException e) {
        if (!"42P04".equals(e.getSQLState())) { // made by a concurrent worker meanwhile
          throw server.failure(e, "creating the registry database " + DATABASE);
        }
      }
    }
    try (Connection c = server.connect(DATABASE);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (environment text NOT NULL, kind text NOT NULL, id text NOT NULL,"
              + " database_name text NOT NULL UNIQUE, source text NOT NULL,"
              + " source_database text NOT NULL, restored_from text, run_id text NOT NULL,"
              + " step_id text NOT NULL, idempotency_key text NOT NULL, status text NOT NULL,"
              + " created_at timestamptz NOT NULL DEFAULT now(), taken_at timestamptz,"
              + " deleted_at timestamptz, PRIMARY KEY (environment, kind, id))");
    } catch (SQLException e) {
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw server.failure(e, "creating the registry table " + TABLE);
      }
    }
    ready.add(key);
  }

  Optional<Entry> find(PgServer server, String environment, String kind, String id) {
    ensure(server);
    return one(
        server,
        "SELECT * FROM " + TABLE + " WHERE environment = ? AND kind = ? AND id = ?",
        environment,
        kind,
        id);
  }

  /** The entry whose database is {@code database}, if the provider made it. */
  Optional<Entry> byDatabase(PgServer server, String database) {
    ensure(server);
    return one(server, "SELECT * FROM " + TABLE + " WHERE database_name = ?", database);
  }

  /** The newest available snapshot of {@code source} taken at or before {@code at}. */
  Optional<Entry> latestSnapshot(PgServer server, String environment, String source, Instant at) {
    ensure(server);
    try (Connection c = server.connect(DATABASE);
        PreparedStatement q =
            c.prepareStatement(
                "SELECT * FROM "
                    + TABLE
                    + " WHERE environment = ? AND kind = ? AND source = ? AND status = ?"
                    + " AND taken_at <= ? ORDER BY taken_at DESC LIMIT 1")) {
      q.setString(1, environment);
      q.setString(2, SNAPSHOT);
      q.setString(3, source);
      q.setString(4, AVAILABLE);
      q.setTimestamp(5, Timestamp.from(at));
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? Optional.of(entry(r)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw server.failure(e, "reading the registry");
    }
  }

  /**
   * Records {@code entry} as creating; false when its id or database is already recorded (an id
   * whose database was deleted may be used again: its row is taken over).
   */
  boolean claim(PgServer server, Entry entry) {
    ensure(server);
    try (Connection c = server.connect(DATABASE);
        PreparedStatement q =
            c.prepareStatement(
                "INSERT INTO "
                    + TABLE
                    + " (environment, kind, id, database_name, source, source_database,"
                    + " restored_from, run_id, step_id, idempotency_key, status)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (environment, kind, id) DO UPDATE SET"
                    + " database_name = excluded.database_name, source = excluded.source,"
                    + " source_database = excluded.source_database,"
                    + " restored_from = excluded.restored_from, run_id = excluded.run_id,"
                    + " step_id = excluded.step_id, idempotency_key = excluded.idempotency_key,"
                    + " status = excluded.status, created_at = now(), taken_at = NULL,"
                    + " deleted_at = NULL WHERE "
                    + TABLE
                    + ".status = '"
                    + DELETED
                    + "'")) {
      q.setString(1, entry.environment());
      q.setString(2, entry.kind());
      q.setString(3, entry.id());
      q.setString(4, entry.database());
      q.setString(5, entry.source());
      q.setString(6, entry.sourceDatabase());
      q.setString(7, entry.restoredFrom());
      q.setString(8, entry.runId());
      q.setString(9, entry.stepId());
      q.setString(10, entry.idempotencyKey());
      q.setString(11, CREATING);
      return q.executeUpdate() == 1;
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        return false; // its database name is recorded under another id
      }
      throw server.failure(e, "writing the registry");
    }
  }

  /** Marks the entry available (its copy exists) and returns it as recorded. */
  Entry available(PgServer server, Entry entry) {
    update(
        server,
        "UPDATE "
            + TABLE
            + " SET status = ?, taken_at = coalesce(taken_at, clock_timestamp())"
            + " WHERE environment = ? AND kind = ? AND id = ?",
        AVAILABLE,
        entry);
    return find(server, entry.environment(), entry.kind(), entry.id()).orElseThrow();
  }

  void deleted(PgServer server, Entry entry) {
    update(
        server,
        "UPDATE "
            + TABLE
            + " SET status = ?, deleted_at = coalesce(deleted_at, clock_timestamp())"
            + " WHERE environment = ? AND kind = ? AND id = ?",
        DELETED,
        entry);
  }

  /** Whether a database named {@code name} exists on the server. */
  static boolean databaseExists(PgServer server, String name) {
    try (Connection c = server.connect(PgServer.MAINTENANCE);
        PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      q.setString(1, name);
      try (ResultSet r = q.executeQuery()) {
        return r.next();
      }
    } catch (SQLException e) {
      throw server.failure(e, "looking for database " + name);
    }
  }

  private void update(PgServer server, String sql, String status, Entry entry) {
    try (Connection c = server.connect(DATABASE);
        PreparedStatement q = c.prepareStatement(sql)) {
      q.setString(1, status);
      q.setString(2, entry.environment());
      q.setString(3, entry.kind());
      q.setString(4, entry.id());
      q.executeUpdate();
    } catch (SQLException e) {
      throw server.failure(e, "writing the registry");
    }
  }

  private static Optional<Entry> one(PgServer server, String sql, String... values) {
    try (Connection c = server.connect(DATABASE);
        PreparedStatement q = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        q.setString(i + 1, values[i]);
      }
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? Optional.of(entry(r)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw server.failure(e, "reading the registry");
    }
  }

  private static Entry entry(ResultSet r) throws SQLException {
    Timestamp taken = r.getTimestamp("taken_at");
    return new Entry(
        r.getString("environment"),
        r.getString("kind"),
        r.getString("id"),
        r.getString("database_name"),
        r.getString("source"),
        r.getString("source_database"),
        r.getString("restored_from"),
        r.getString("run_id"),
        r.getString("step_id"),
        r.getString("idempotency_key"),
        r.getString("status"),
        taken == null ? null : taken.toInstant());
  }
}
