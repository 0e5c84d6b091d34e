package dev.runbook.worker.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.StepRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The engine's own tables in the target database, created on first use in a configurable schema:
 *
 * <ul>
 *   <li>{@value #LEDGER}: one row per applied change, keyed by the step's idempotency key ({@code
 *       runId/environment/step}), written in the change's own transaction. A retried activity finds
 *       its row and reports the earlier result instead of applying twice.
 *   <li>{@value #BACKUPS}: one row per backup table the engine made (source table, primary key,
 *       run, step, row count, checksum), in the backup's transaction; {@code sql.restore} and
 *       {@code runbook backups} read it.
 * </ul>
 */
final class Ledger {
  static final String LEDGER = "runbook_change_ledger";
  static final String BACKUPS = "runbook_backups";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A backup table the engine made. */
  record Backup(
      String table,
      String sourceTable,
      List<String> primaryKey,
      String runId,
      String stepId,
      long rows,
      String checksum) {}

  private final Dialect dialect;
  private final String schema;

  Ledger(Dialect dialect, String schema) {
    this.dialect = dialect;
    this.schema = schema;
  }

  /**
   * The engine's tables of the session's database: in its {@code engineSchema} when the environment
   * sets one, else in {@link SqlSettings#ledgerSchema()} (null: the default schema).
   */
  static Ledger of(Session session, SqlSettings settings) {
    return new Ledger(session.dialect, schemaOf(session.target, settings));
  }

  /** The configured schema of the engine's tables for {@code target}, or null for the default. */
  static String schemaOf(SqlTarget target, SqlSettings settings) {
    return target.engineSchema() != null ? target.engineSchema() : settings.ledgerSchema();
  }

  /** A table of the engine's schema, quoted and qualified. */
  String qualified(String table) {
    return (schema == null ? "" : dialect.quote(schema) + ".") + dialect.quote(table);
  }

  /** The schema name for {@link TableRef}s (null: the connection's default). */
  String schema() {
    return schema;
  }

  /** Creates the schema and both tables when missing (outside any transaction). */
  void ensure(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    String ts = dialect.timestampType();
    String text = dialect.textType();
    List<String> ddl = new ArrayList<>();
    if (schema != null) {
      ddl.add(dialect.createSchema(schema));
    }
    ddl.add(
        "CREATE TABLE IF NOT EXISTS "
            + qualified(LEDGER)
            + " (idempotency_key varchar(512) NOT NULL PRIMARY KEY,"
            + " run_id varchar(255) NOT NULL, environment varchar(128) NOT NULL,"
            + " step_id varchar(128) NOT NULL, plan_hash varchar(128) NOT NULL,"
            + " rows_affected bigint NOT NULL, preview_hash varchar(128), backup_table varchar(128),"
            + " outputs "
            + text
            + ", applied_at "
            + ts
            + " NOT NULL)"
            + dialect.tableOptions());
    ddl.add(
        "CREATE TABLE IF NOT EXISTS "
            + qualified(BACKUPS)
            + " (backup_table varchar(128) NOT NULL PRIMARY KEY,"
            + " source_table varchar(255) NOT NULL, primary_key varchar(1024) NOT NULL,"
            + " run_id varchar(255) NOT NULL, environment varchar(128) NOT NULL,"
            + " step_id varchar(128) NOT NULL, row_count bigint NOT NULL,"
            + " checksum varchar(128) NOT NULL, created_at "
            + ts
            + " NOT NULL)"
            + dialect.tableOptions());
    for (String statement : ddl) {
      try (Statement s = connection.createStatement()) {
        s.execute(statement);
      } catch (SQLException e) {
        // Two workers creating it at once: one wins, the other finds it there.
        if (!SqlFailures.isDuplicateKey(e) && !"42P07".equals(e.getSQLState())) {
          throw e;
        }
      }
    }
  }

  /** The outputs an earlier apply of {@code key} recorded, if it committed. */
  Optional<JsonNode> find(Connection connection, String key) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT outputs FROM " + qualified(LEDGER) + " WHERE idempotency_key = ?")) {
      s.setString(1, key);
      try (ResultSet rows = s.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        String outputs = rows.getString(1);
        try {
          return Optional.of(JSON.readTree(outputs == null ? "{}" : outputs));
        } catch (JsonProcessingException e) {
          return Optional.of(JSON.createObjectNode());
        }
      }
    }
  }

  /**
   * Claims {@code key} in the current transaction (a row with no result yet). A concurrent attempt
   * waits on it and then fails with a duplicate key.
   */
  void claim(Connection connection, StepRequest request) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT INTO "
                + qualified(LEDGER)
                + " (idempotency_key, run_id, environment, step_id, plan_hash, rows_affected,"
                + " applied_at) VALUES (?, ?, ?, ?, ?, -1, CURRENT_TIMESTAMP)")) {
      s.setString(1, request.idempotencyKey());
      s.setString(2, request.runId());
      s.setString(3, request.environment());
      s.setString(4, request.stepId());
      s.setString(5, request.planHash() == null ? "" : request.planHash());
      s.executeUpdate();
    }
  }

  /** Records the result of the claimed key, in the change's transaction. */
  void complete(
      Connection connection,
      String key,
      long rows,
      String previewHash,
      String backupTable,
      JsonNode outputs)
      throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE "
                + qualified(LEDGER)
                + " SET rows_affected = ?, preview_hash = ?, backup_table = ?, outputs = ?,"
                + " applied_at = CURRENT_TIMESTAMP WHERE idempotency_key = ?")) {
      s.setLong(1, rows);
      s.setString(2, previewHash);
      s.setString(3, backupTable);
      s.setString(4, outputs.toString());
      s.setString(5, key);
      s.executeUpdate();
    }
  }

  void recordBackup(Connection connection, Backup backup, String environment) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT INTO "
                + qualified(BACKUPS)
                + " (backup_table, source_table, primary_key, run_id, environment, step_id,"
                + " row_count, checksum, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
      s.setString(1, backup.table());
      s.setString(2, backup.sourceTable());
      s.setString(3, String.join(",", backup.primaryKey()));
      s.setString(4, backup.runId());
      s.setString(5, environment);
      s.setString(6, backup.stepId());
      s.setLong(7, backup.rows());
      s.setString(8, backup.checksum());
      s.executeUpdate();
    }
  }

  Optional<Backup> backup(Connection connection, String table) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT backup_table, source_table, primary_key, run_id, step_id, row_count, checksum"
                + " FROM "
                + qualified(BACKUPS)
                + " WHERE backup_table = ?")) {
      s.setString(1, table);
      try (ResultSet rows = s.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        String pk = rows.getString(3);
        return Optional.of(
            new Backup(
                rows.getString(1),
                rows.getString(2),
                pk == null || pk.isEmpty() ? List.of() : List.of(pk.split(",")),
                rows.getString(4),
                rows.getString(5),
                rows.getLong(6),
                rows.getString(7)));
      }
    }
  }
}
