package dev.runbook.worker.sql;

/**
 * A table named in SQL text.
 *
 * @param schema the schema (MySQL: database) as the catalog stores it, or null for the default
 * @param name the table's name as the catalog stores it
 * @param written how the SQL text writes it (quotes kept), safe to put back into SQL
 */
record TableRef(String schema, String name, String written) {

  /** The table of a JSqlParser name as written; PostgreSQL folds unquoted names to lower case. */
  static TableRef of(String schemaWritten, String nameWritten, boolean foldsToLower) {
    String schema = schemaWritten == null ? null : catalogName(schemaWritten, foldsToLower);
    String name = catalogName(nameWritten, foldsToLower);
    String written = schemaWritten == null ? nameWritten : schemaWritten + "." + nameWritten;
    return new TableRef(schema, name, written);
  }

  /** A table as written ({@code name}, {@code schema.name}, parts maybe quoted). */
  static TableRef parse(String written, boolean foldsToLower) {
    char quote = 0;
    for (int i = 0; i < written.length(); i++) {
      char c = written.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '`') {
        quote = c;
      } else if (c == '.') {
        return of(written.substring(0, i), written.substring(i + 1), foldsToLower);
      }
    }
    return of(null, written, foldsToLower);
  }

  /** {@code schema.name} or {@code name}, unquoted, for messages and matching. */
  String plain() {
    return schema == null ? name : schema + "." + name;
  }

  private static String catalogName(String written, boolean foldsToLower) {
    if (written.length() >= 2
        && (written.startsWith("\"") && written.endsWith("\"")
            || written.startsWith("`") && written.endsWith("`"))) {
      char q = written.charAt(0);
      return written.substring(1, written.length() - 1).replace("" + q + q, "" + q);
    }
    return foldsToLower ? written.toLowerCase(java.util.Locale.ROOT) : written;
  }
}
