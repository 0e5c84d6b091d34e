package dev.runbook.worker.sql;

import java.nio.file.Path;

/**
 * How the SQL steps behave on this worker.
 *
 * @param ledgerSchema the schema of the engine's tables ({@value Ledger#LEDGER}, {@value
 *     Ledger#BACKUPS}) and of backup tables for databases whose environment entry sets no {@code
 *     engineSchema}; null: the connection's default schema (PostgreSQL: the first of the search
 *     path; MySQL: the database)
 * @param diffRows rows of a preview's diff shown to approvers
 * @param diffCellChars longest value shown in a diff
 * @param queryCellChars longest value of a query's output rows
 * @param outputBytes the most a query's rows may take in the outputs (history); more is truncated
 * @param exportDirectory where relative export paths go
 * @param connectTimeout how long getting a connection may take before the step fails (TRANSIENT)
 */
public record SqlSettings(
    String ledgerSchema,
    int diffRows,
    int diffCellChars,
    int queryCellChars,
    int outputBytes,
    Path exportDirectory,
    java.time.Duration connectTimeout) {

  /**
   * The defaults: default schema, 20 diff rows, 200/1000 characters, 256 KiB, the working
   * directory, 10 s to connect.
   */
  public static SqlSettings defaults() {
    return new SqlSettings(
        null, 20, 200, 1000, 256 * 1024, Path.of(""), java.time.Duration.ofSeconds(10));
  }

  public SqlSettings withLedgerSchema(String schema) {
    return new SqlSettings(
        schema,
        diffRows,
        diffCellChars,
        queryCellChars,
        outputBytes,
        exportDirectory,
        connectTimeout);
  }

  public SqlSettings withExportDirectory(Path directory) {
    return new SqlSettings(
        ledgerSchema,
        diffRows,
        diffCellChars,
        queryCellChars,
        outputBytes,
        directory,
        connectTimeout);
  }

  public SqlSettings withConnectTimeout(java.time.Duration timeout) {
    return new SqlSettings(
        ledgerSchema,
        diffRows,
        diffCellChars,
        queryCellChars,
        outputBytes,
        exportDirectory,
        timeout);
  }
}
