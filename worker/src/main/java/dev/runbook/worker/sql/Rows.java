package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Result rows as text: every value as the server writes it ({@code getString}, sessions in UTC),
 * binary values in hex. The same row reads the same on any worker, so hashes of rows taken at
 * preview and at apply compare.
 */
final class Rows {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Rows() {}

  /**
   * A result column.
   *
   * @param label the name the result gives it
   * @param table the table it comes from, when the driver knows (else empty)
   * @param column the table column it comes from, when the driver knows (else the label)
   * @param type its {@link Types} code
   */
  record Column(String label, String table, String column, int type) {
    boolean binary() {
      return type == Types.BINARY
          || type == Types.VARBINARY
          || type == Types.LONGVARBINARY
          || type == Types.BLOB;
    }

    boolean numeric() {
      return switch (type) {
        case Types.TINYINT,
            Types.SMALLINT,
            Types.INTEGER,
            Types.BIGINT,
            Types.DECIMAL,
            Types.NUMERIC,
            Types.REAL,
            Types.FLOAT,
            Types.DOUBLE ->
            true;
        default -> false;
      };
    }

    boolean bool() {
      return type == Types.BOOLEAN;
    }
  }

  static List<Column> columns(ResultSet rows) throws SQLException {
    ResultSetMetaData md = rows.getMetaData();
    List<Column> columns = new ArrayList<>();
    org.postgresql.PGResultSetMetaData pg =
        md.isWrapperFor(org.postgresql.PGResultSetMetaData.class)
            ? md.unwrap(org.postgresql.PGResultSetMetaData.class)
            : null;
    for (int i = 1; i <= md.getColumnCount(); i++) {
      String label = md.getColumnLabel(i);
      String table;
      String column;
      if (pg != null) {
        table = nonNull(pg.getBaseTableName(i));
        column = nonNull(pg.getBaseColumnName(i));
      } else {
        table = nonNull(md.getTableName(i));
        column = nonNull(md.getColumnName(i));
      }
      columns.add(new Column(label, table, column.isEmpty() ? label : column, md.getColumnType(i)));
    }
    return columns;
  }

  /** The current row's values as text (null for SQL NULL). */
  static String[] read(ResultSet rows, List<Column> columns) throws SQLException {
    String[] values = new String[columns.size()];
    for (int i = 0; i < values.length; i++) {
      if (columns.get(i).binary()) {
        byte[] bytes = rows.getBytes(i + 1);
        values[i] = bytes == null ? null : "\\x" + HexFormat.of().formatHex(bytes);
      } else {
        values[i] = rows.getString(i + 1);
      }
    }
    return values;
  }

  /** One line per row, the same on every worker: {@code name=value} joined by U+0001. */
  static String canonical(List<Column> columns, String[] values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append('\u0001');
      }
      out.append(columns.get(i).label()).append('=');
      out.append(values[i] == null ? "\u0000NULL" : values[i]);
    }
    return out.toString();
  }

  /** A value for outputs: numbers and booleans typed, text capped at {@code maxChars}. */
  static JsonNode json(Column column, String value, int maxChars) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (column.numeric()) {
      try {
        BigDecimal number = new BigDecimal(value);
        if (number.scale() <= 0 && number.precision() <= 18) {
          return NODES.numberNode(number.longValueExact());
        }
        return NODES.numberNode(number);
      } catch (NumberFormatException | ArithmeticException e) {
        return NODES.textNode(value); // NaN, Infinity
      }
    }
    if (column.bool()) {
      if (value.equals("t") || value.equals("true") || value.equals("1")) {
        return NODES.booleanNode(true);
      }
      if (value.equals("f") || value.equals("false") || value.equals("0")) {
        return NODES.booleanNode(false);
      }
    }
    return NODES.textNode(cap(value, maxChars));
  }

  /** A row as an object, sensitive columns masked, values capped. */
  static ObjectNode object(List<Column> columns, String[] values, boolean[] masked, int maxChars) {
    ObjectNode row = NODES.objectNode();
    for (int i = 0; i < values.length; i++) {
      row.set(
          columns.get(i).label(),
          masked[i] && values[i] != null
              ? NODES.textNode(SensitiveColumns.MASK)
              : json(columns.get(i), values[i], maxChars));
    }
    return row;
  }

  static String cap(String value, int maxChars) {
    if (value.length() <= maxChars) {
      return value;
    }
    return value.substring(0, maxChars) + "... (" + value.length() + " characters)";
  }

  static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /**
   * A hash of a multiset of rows that does not depend on their order: the sum of the rows' SHA-256
   * modulo 2^256, with the count. Rows can be added as they stream by.
   */
  static final class MultisetHash {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);
    private BigInteger sum = BigInteger.ZERO;
    private long count;

    void add(String canonicalRow) {
      sum = sum.add(new BigInteger(1, sha256(canonicalRow.getBytes(StandardCharsets.UTF_8))));
      if (sum.compareTo(MOD) >= 0) {
        sum = sum.subtract(MOD);
      }
      count++;
    }

    long count() {
      return count;
    }

    /** {@code count:sumhex}. */
    String value() {
      return count + ":" + sum.toString(16);
    }
  }
}
