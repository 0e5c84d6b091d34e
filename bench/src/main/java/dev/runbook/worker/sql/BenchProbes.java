package dev.runbook.worker.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Bench only (lives in the worker's package to reach package-private code): the checksum {@code
 * sql.backup} computes over the backup table it just filled, so {@code SqlBench} can time that part
 * on its own.
 */
public final class BenchProbes {
  private BenchProbes() {}

  /** {@code Checksums.table} on PostgreSQL: returns the row count (the checksum is discarded). */
  public static long backupChecksum(Connection connection, String table, List<String> columns)
      throws SQLException {
    return Checksums.table(connection, table, columns, new Dialect.Postgres()).rows();
  }
}
