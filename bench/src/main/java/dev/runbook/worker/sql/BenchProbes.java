package dev.runbook.worker.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Bench only (lives in the worker's package to reach package-private code): the checksums of a
 * backup table, so {@code SqlBench} can time that part of {@code sql.backup} on its own.
 */
public final class BenchProbes {
  private BenchProbes() {}

  /**
   * The checksum {@code sql.backup} takes now ({@code v2:}, one aggregate in PostgreSQL); returns
   * the row count.
   */
  public static long serverChecksum(Connection connection, String table, List<String> columns)
      throws SQLException {
    Dialect pg = new Dialect.Postgres();
    return Checksums.server(connection, pg, TableRef.parse(table, true), columns).rows();
  }

  /**
   * The first format's checksum ({@code sha256:}): every row read to the worker as text and hashed
   * there; returns the row count. {@code table} may carry a WHERE.
   */
  public static long workerChecksum(Connection connection, String table, List<String> columns)
      throws SQLException {
    return Checksums.table(connection, table, columns, new Dialect.Postgres()).rows();
  }
}
