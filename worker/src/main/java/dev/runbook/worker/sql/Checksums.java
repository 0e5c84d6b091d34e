package dev.runbook.worker.sql;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Order-independent checksums of whole tables (backup tables), as their rows read as text. */
final class Checksums {
  private Checksums() {}

  /** Row count and checksum. */
  record Sum(long rows, String checksum) {}

  /** The rows of {@code table} (written form), over {@code columns} in that order. */
  static Sum table(
      java.sql.Connection connection, String table, List<String> columns, Dialect dialect)
      throws SQLException {
    String select =
        "SELECT "
            + String.join(", ", columns.stream().map(dialect::quote).toList())
            + " FROM "
            + table;
    Rows.MultisetHash hash = new Rows.MultisetHash();
    try (PreparedStatement ps = connection.prepareStatement(select)) {
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        List<Rows.Column> cols = Rows.columns(rs);
        while (rs.next()) {
          hash.add(Rows.canonical(cols, Rows.read(rs, cols)));
        }
      }
    }
    return new Sum(hash.count(), "sha256:" + Rows.sha256Hex(hash.value()));
  }
}
