package dev.runbook.engine.sql;

import net.sf.jsqlparser.schema.Table;

/** Names as written, without quoting characters. */
final class SqlNames {

  private SqlNames() {}

  /**
   * {@code "public"."Invoices"} becomes {@code public.Invoices}; {@code `orders`} {@code orders}.
   */
  static String unquote(String name) {
    if (name == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '"' && c != '`' && c != '[' && c != ']') {
        out.append(c);
      }
    }
    return out.toString();
  }

  static String of(Table table) {
    return unquote(table.getFullyQualifiedName());
  }
}
