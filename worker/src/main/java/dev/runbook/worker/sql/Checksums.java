package dev.runbook.worker.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Order-independent checksums of whole tables (backup tables), in two versions told apart by their
 * prefix, so a backup restores with the checksum it was taken with:
 *
 * <ul>
 *   <li>{@value #V2} (taken since 2026-12): computed by the database server in one aggregate, no
 *       row leaves it. Each row hashes to a 64-bit integer, the rows' integers are summed exactly
 *       (numeric / DECIMAL, no overflow), and the checksum is the SHA-256 of the engine, the column
 *       names, the row count and that sum. PostgreSQL hashes each column with the extended hash
 *       function of its type's default hash operator class (the functions behind hash indexes and
 *       hash partitioning, stable across upgrades), text-like columns under {@code COLLATE "C"} so
 *       every byte counts, and columns without one as their text; the column's position is the seed
 *       and the row's hash is the XOR of its columns'. MySQL/MariaDB hashes each row's text, {@code
 *       MD5(CONCAT_WS(',', QUOTE(CAST(c AS BINARY)), ...))} (QUOTE keeps NULL apart from 'NULL' and
 *       the separator), and sums the first 64 bits. Sessions run in UTC, so TIMESTAMP text does not
 *       depend on the worker.
 *   <li>{@value #V1}: the rows read to the worker as text and hashed there ({@link
 *       Rows.MultisetHash}). Backups taken before v2 carry it; {@code sql.restore} still checks
 *       them this way.
 * </ul>
 */
final class Checksums {
  /** Prefix of checksums the worker computed (the first format). */
  static final String V1 = "sha256:";

  /** Prefix of checksums the database server computed. */
  static final String V2 = "v2:";

  private Checksums() {}

  /** Row count and checksum. */
  record Sum(long rows, String checksum) {}

  /**
   * The {@value #V2} checksum of every row of {@code table} over {@code columns}, in that order,
   * computed by the server.
   */
  static Sum server(Connection connection, Dialect dialect, TableRef table, List<String> columns)
      throws SQLException {
    List<String> hashes = new ArrayList<>();
    String sum =
        switch (dialect) {
          case Dialect.Postgres pg -> {
            Map<String, ColumnHash> known = postgresColumnHashes(connection, table);
            for (int i = 0; i < columns.size(); i++) {
              String column = columns.get(i);
              ColumnHash how = known.get(column);
              if (how == null) {
                throw new SQLException(
                    "table " + table.plain() + " has no column " + column, "42703");
              }
              hashes.add(how.expression(pg.quote(column), i + 1));
            }
            yield "sum(" + String.join(" # ", hashes) + ")";
          }
          case Dialect.MySql my -> {
            for (String column : columns) {
              hashes.add("QUOTE(CAST(" + my.quote(column) + " AS BINARY))");
            }
            yield "SUM(CAST(CONV(SUBSTRING(MD5(CONCAT_WS(',', "
                + String.join(", ", hashes)
                + ")), 1, 16), 16, 10) AS UNSIGNED))";
          }
        };
    String sql = "SELECT count(*), " + sum + " FROM " + table.written();
    try (PreparedStatement ps = connection.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      long rows = rs.getLong(1);
      String total = rs.getString(2) == null ? "0" : rs.getString(2);
      String engine = dialect instanceof Dialect.Postgres ? "postgresql" : "mysql";
      String text =
          engine
              + "|"
              + String.join(",", columns).toLowerCase(Locale.ROOT)
              + "|"
              + rows
              + "|"
              + total;
      return new Sum(rows, V2 + Rows.sha256Hex(text));
    }
  }

  /**
   * The checksum of {@code table} over {@code columns} computed the way {@code recorded} was: by
   * the server ({@value #V2}) or by the worker ({@value #V1}).
   */
  static Sum sameWayAs(
      String recorded, Connection connection, Dialect dialect, TableRef table, List<String> columns)
      throws SQLException {
    if (recorded.startsWith(V1)) {
      return table(connection, table.written(), columns, dialect);
    }
    return server(connection, dialect, table, columns);
  }

  /**
   * The {@value #V1} checksum: the rows of {@code table} (written form), over {@code columns} in
   * that order, read as text and hashed by the worker.
   */
  static Sum table(Connection connection, String table, List<String> columns, Dialect dialect)
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
    return new Sum(hash.count(), V1 + Rows.sha256Hex(hash.value()));
  }

  /**
   * How PostgreSQL hashes one column: {@code function} (schema-qualified, quoted) is the extended
   * hash function of its type's default hash operator class, or null for a type without one.
   */
  private record ColumnHash(String function, boolean collatable) {
    String expression(String column, int position) {
      String value = column + (collatable ? " COLLATE \"C\"" : "");
      String hash =
          function != null
              ? function + "(" + value + ", " + position + ")"
              : "pg_catalog.hashtextextended(CAST("
                  + column
                  + " AS text) COLLATE \"C\", "
                  + position
                  + ")";
      // strict functions give NULL for NULL: a NULL counts as its position
      return "coalesce(" + hash + ", " + position + ")";
    }
  }

  private static Map<String, ColumnHash> postgresColumnHashes(Connection connection, TableRef table)
      throws SQLException {
    String sql =
        "SELECT a.attname, h.function, a.attcollation <> 0 FROM pg_attribute a"
            + " LEFT JOIN LATERAL (SELECT quote_ident(n.nspname) || '.' || quote_ident(f.proname)"
            + " AS function FROM pg_opclass oc"
            + " JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'hash'"
            + " JOIN pg_amproc ap ON ap.amprocfamily = oc.opcfamily AND ap.amprocnum = 2"
            + " AND ap.amproclefttype = oc.opcintype AND ap.amprocrighttype = oc.opcintype"
            + " JOIN pg_proc f ON f.oid = ap.amproc"
            + " JOIN pg_namespace n ON n.oid = f.pronamespace"
            + " WHERE oc.opcdefault AND oc.opcintype = a.atttypid"
            + " ORDER BY oc.oid LIMIT 1) h ON true"
            + " WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped";
    Map<String, ColumnHash> out = new HashMap<>();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, table.written());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new ColumnHash(rs.getString(2), rs.getBoolean(3)));
        }
      }
    }
    return out;
  }
}
