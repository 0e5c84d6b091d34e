package dev.runbook.worker.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The columns an environment marks sensitive ({@code column}, {@code table.column} or {@code
 * schema.table.column}), masked in query results, previews, backups' outputs and exports. A result
 * column is masked when its table and column match an entry; when the driver cannot tell its table
 * (an expression, a view), when its name matches an entry's column; and an expression column
 * without a source column is masked when the SQL text names a sensitive column anywhere.
 */
final class SensitiveColumns {
  static final String MASK = "***";

  private record Entry(String schema, String table, String column) {}

  private final List<Entry> entries = new ArrayList<>();

  SensitiveColumns(List<String> configured) {
    for (String text : configured) {
      String[] parts = text.toLowerCase(Locale.ROOT).split("\\.");
      switch (parts.length) {
        case 1 -> entries.add(new Entry(null, null, parts[0]));
        case 2 -> entries.add(new Entry(null, parts[0], parts[1]));
        default -> entries.add(new Entry(parts[0], parts[1], parts[2]));
      }
    }
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Which result columns to mask.
   *
   * @param sql the query text, to catch expressions over sensitive columns
   * @param defaultTable the table the rows come from when the driver does not say (a change's
   *     target), or null
   */
  boolean[] mask(List<Rows.Column> columns, String sql, String defaultTable) {
    boolean[] masked = new boolean[columns.size()];
    if (entries.isEmpty()) {
      return masked;
    }
    boolean textNamesSensitive = sql != null && namesSensitive(sql);
    for (int i = 0; i < masked.length; i++) {
      Rows.Column c = columns.get(i);
      String table = c.table().isEmpty() ? defaultTable : c.table();
      masked[i] =
          matches(table, c.column())
              || matches(table, c.label())
              || (c.table().isEmpty()
                  && textNamesSensitive
                  && !c.column().isEmpty()
                  && c.column().equals(c.label())
                  && defaultTable == null);
    }
    return masked;
  }

  /** Whether {@code table.column} is sensitive; an unknown table matches on the column. */
  boolean matches(String table, String column) {
    String col = column.toLowerCase(Locale.ROOT);
    String tab = table == null ? "" : table.toLowerCase(Locale.ROOT);
    String bare = tab.contains(".") ? tab.substring(tab.lastIndexOf('.') + 1) : tab;
    String schema = tab.contains(".") ? tab.substring(0, tab.lastIndexOf('.')) : null;
    for (Entry e : entries) {
      if (!e.column().equals(col)) {
        continue;
      }
      if (e.table() == null || bare.isEmpty()) {
        return true;
      }
      if (e.table().equals(bare)
          && (e.schema() == null || schema == null || e.schema().equals(schema))) {
        return true;
      }
    }
    return false;
  }

  private boolean namesSensitive(String sql) {
    for (SqlText.Token t : SqlText.of(sql).tokens()) {
      if (t.kind() == SqlText.Kind.WORD || t.kind() == SqlText.Kind.QUOTED) {
        String word = SqlText.lower(t.text().replace("\"", "").replace("`", ""));
        for (Entry e : entries) {
          if (e.column().equals(word)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
