package dev.runbook.worker.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What differs between PostgreSQL and MySQL/MariaDB: how a transaction gets its timeouts and
 * read-only mode, identifier quoting, the catalog queries, RETURNING, and DDL inside a transaction.
 * Every setting is made again at the start of each transaction, so nothing a pooled connection
 * carries from an earlier use matters.
 */
sealed interface Dialect permits Dialect.Postgres, Dialect.MySql {

  /** The dialect of a connection to {@code target}; MySQL and MariaDB are told apart here. */
  static Dialect of(SqlTarget target, Connection connection) throws SQLException {
    if (target.engine() == SqlTarget.Engine.POSTGRESQL) {
      return new Postgres();
    }
    String version = connection.getMetaData().getDatabaseProductVersion();
    boolean mariadb =
        version.toLowerCase(Locale.ROOT).contains("mariadb")
            || connection.getMetaData().getDatabaseProductName().equalsIgnoreCase("MariaDB");
    return new MySql(mariadb);
  }

  /** Starts a transaction on {@code connection} with its settings. */
  void begin(Connection connection, boolean readOnly, Duration statementTimeout, Duration lock)
      throws SQLException;

  /** An identifier in quotes. */
  String quote(String identifier);

  /** True when names without quotes are stored in lower case (PostgreSQL). */
  boolean foldsToLower();

  /** Whether an INSERT (or UPDATE, DELETE) can take {@code RETURNING}. */
  boolean returns(String statementType);

  /** True when CREATE TABLE can be part of the change's transaction. */
  boolean transactionalDdl();

  /** The primary key columns of {@code table}, in key order; empty when it has none. */
  List<String> primaryKey(Connection connection, TableRef table) throws SQLException;

  /** The columns of {@code table} that can be written (not generated), in table order. */
  List<String> writableColumns(Connection connection, TableRef table) throws SQLException;

  /** Why changes to {@code table} could not be rolled back (MyISAM), or null. */
  String notTransactional(Connection connection, TableRef table) throws SQLException;

  /**
   * {@code CREATE TABLE backup ...}, empty, with the columns of {@code source}, made before the
   * transaction that fills it: only for engines without {@link #transactionalDdl()} (PostgreSQL
   * makes backup tables with {@code CREATE TABLE ... AS} inside the transaction).
   */
  String createCopy(String backup, TableRef source);

  /** The timestamp column type. */
  String timestampType();

  /** {@code CREATE SCHEMA IF NOT EXISTS}, or null when schemas are databases (MySQL). */
  String createSchema(String schema);

  /** Text of a column type that holds long text. */
  String textType();

  /** Suffix of CREATE TABLE for engine-specific options. */
  String tableOptions();

  /** Whether this is MariaDB (not MySQL); false for PostgreSQL. */
  boolean mariadb();

  /** PostgreSQL 12+. */
  record Postgres() implements Dialect {
    @Override
    public void begin(
        Connection connection, boolean readOnly, Duration statementTimeout, Duration lock)
        throws SQLException {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        if (readOnly) {
          s.execute("SET TRANSACTION READ ONLY");
        }
        s.execute("SET LOCAL statement_timeout = " + Math.max(1, statementTimeout.toMillis()));
        s.execute("SET LOCAL lock_timeout = " + Math.max(1, lock.toMillis()));
        s.execute("SET LOCAL idle_in_transaction_session_timeout = 600000");
        s.execute("SET LOCAL TIME ZONE 'UTC'");
      }
    }

    @Override
    public String quote(String identifier) {
      return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public boolean foldsToLower() {
      return true;
    }

    @Override
    public boolean returns(String statementType) {
      return !statementType.equals("MERGE");
    }

    @Override
    public boolean transactionalDdl() {
      return true;
    }

    @Override
    public List<String> primaryKey(Connection connection, TableRef table) throws SQLException {
      return strings(
          connection,
          "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
              + " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass)"
              + " AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
          table.written());
    }

    @Override
    public List<String> writableColumns(Connection connection, TableRef table) throws SQLException {
      return strings(
          connection,
          "SELECT attname FROM pg_attribute WHERE attrelid = CAST(? AS regclass) AND attnum > 0"
              + " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
          table.written());
    }

    /** Whether a column of the table is GENERATED ALWAYS AS IDENTITY. */
    boolean identityAlways(Connection connection, TableRef table) throws SQLException {
      return !strings(
              connection,
              "SELECT attname FROM pg_attribute WHERE attrelid = CAST(? AS regclass)"
                  + " AND attidentity = 'a'",
              table.written())
          .isEmpty();
    }

    @Override
    public String notTransactional(Connection connection, TableRef table) {
      return null;
    }

    @Override
    public String createCopy(String backup, TableRef source) {
      throw new IllegalStateException("PostgreSQL makes backup tables with CREATE TABLE ... AS");
    }

    @Override
    public String timestampType() {
      return "timestamptz";
    }

    @Override
    public String createSchema(String schema) {
      return "CREATE SCHEMA IF NOT EXISTS " + quote(schema);
    }

    @Override
    public String textType() {
      return "text";
    }

    @Override
    public String tableOptions() {
      return "";
    }

    @Override
    public boolean mariadb() {
      return false;
    }
  }

  /**
   * MySQL 8 and MariaDB 10.5+. Statement timeout: MariaDB {@code max_statement_time} (every
   * statement), MySQL {@code max_execution_time} (SELECT only; the driver's query timeout covers
   * the rest).
   */
  record MySql(boolean mariadb) implements Dialect {
    @Override
    public void begin(
        Connection connection, boolean readOnly, Duration statementTimeout, Duration lock)
        throws SQLException {
      connection.setAutoCommit(true);
      try (Statement s = connection.createStatement()) {
        long seconds = Math.max(1, (lock.toMillis() + 999) / 1000);
        s.execute("SET SESSION innodb_lock_wait_timeout = " + seconds);
        if (mariadb) {
          s.execute(
              "SET SESSION max_statement_time = "
                  + String.format(Locale.ROOT, "%.3f", statementTimeout.toMillis() / 1000.0));
        } else {
          s.execute("SET SESSION max_execution_time = " + Math.max(1, statementTimeout.toMillis()));
        }
        s.execute("SET SESSION time_zone = '+00:00'");
        s.execute(readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION READ WRITE");
      }
      connection.setAutoCommit(false);
    }

    @Override
    public String quote(String identifier) {
      return "`" + identifier.replace("`", "``") + "`";
    }

    @Override
    public boolean foldsToLower() {
      return false;
    }

    @Override
    public boolean returns(String statementType) {
      return mariadb && statementType.equals("INSERT");
    }

    @Override
    public boolean transactionalDdl() {
      return false;
    }

    @Override
    public List<String> primaryKey(Connection connection, TableRef table) throws SQLException {
      return strings(
          connection,
          "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
              + " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?"
              + " AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
          table.schema(),
          table.name());
    }

    @Override
    public List<String> writableColumns(Connection connection, TableRef table) throws SQLException {
      return strings(
          connection,
          "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
              + " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?"
              + " AND COALESCE(GENERATION_EXPRESSION, '') = '' ORDER BY ORDINAL_POSITION",
          table.schema(),
          table.name());
    }

    @Override
    public String notTransactional(Connection connection, TableRef table) throws SQLException {
      List<String> engine =
          strings(
              connection,
              "SELECT ENGINE FROM information_schema.TABLES"
                  + " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
              table.schema(),
              table.name());
      if (engine.isEmpty() || engine.get(0) == null || engine.get(0).equalsIgnoreCase("InnoDB")) {
        return null;
      }
      return "table "
          + table.plain()
          + " uses the "
          + engine.get(0)
          + " storage engine: its changes cannot be rolled back, so it cannot be previewed or"
          + " changed safely (use InnoDB)";
    }

    @Override
    public String createCopy(String backup, TableRef source) {
      return "CREATE TABLE " + backup + " LIKE " + source.written();
    }

    @Override
    public String timestampType() {
      return "datetime(3)";
    }

    @Override
    public String createSchema(String schema) {
      return "CREATE DATABASE IF NOT EXISTS " + quote(schema);
    }

    @Override
    public String textType() {
      return "longtext";
    }

    @Override
    public String tableOptions() {
      return " ENGINE=InnoDB";
    }
  }

  private static List<String> strings(Connection connection, String sql, String... params)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setString(i + 1, params[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          out.add(rows.getString(1));
        }
      }
      return out;
    }
  }
}
