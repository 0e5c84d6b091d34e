package dev.runbook.engine.sql;

/** The exact finding texts; other modules assert these strings. */
final class Messages {

  private Messages() {}

  /** Rule 1. */
  static final String EMPTY = "SQL is empty";

  /** Rule 9. */
  static final String POSITIONAL = "use :named bind parameters, not ?";

  /** Rule 2. */
  static String cannotParse(String reason) {
    return "cannot parse SQL: " + reason;
  }

  /** Rule 3. */
  static String oneStatement(int found) {
    return "one statement per string, found " + found;
  }

  /** Rule 4. */
  static String transactionControl(String keyword) {
    return "transaction control (" + keyword + ") is not allowed: the engine owns the transaction";
  }

  /** Rule 5. */
  static String ddl(String what) {
    return "DDL (" + what + ") is only allowed in migration steps";
  }

  /** Rule 6, no WHERE. */
  static String updateWithoutWhere(String table) {
    return "UPDATE without WHERE would change every row of " + table;
  }

  /** Rule 6, no WHERE. */
  static String deleteWithoutWhere(String table) {
    return "DELETE without WHERE would delete every row of " + table;
  }

  /** Rule 6, a WHERE that is always true. */
  static String updateWhereAlwaysTrue(String table) {
    return "WHERE is always true: UPDATE would change every row of " + table;
  }

  /** Rule 6, a WHERE that is always true. */
  static String deleteWhereAlwaysTrue(String table) {
    return "WHERE is always true: DELETE would delete every row of " + table;
  }

  /** Rule 7. */
  static String changeMustBeDml(String found) {
    return "a change must be INSERT, UPDATE, DELETE or MERGE, found " + found;
  }

  /** Rule 7, a second data change nested in a change (a data-modifying WITH clause). */
  static String changeNestedWrite(String found) {
    return "a change must be a single INSERT, UPDATE, DELETE or MERGE, found a nested " + found;
  }

  /** Rule 7 for a migration statement (the revert of a failed migration). */
  static String migrationMustBeDdlOrDml(String found) {
    return "a migration statement must be DDL, INSERT, UPDATE, DELETE or MERGE, found " + found;
  }

  /** Rule 6 for a migration statement: TRUNCATE is a DELETE without WHERE. */
  static final String MIGRATION_TRUNCATE =
      "TRUNCATE would delete every row: not allowed in a migration statement";

  /** Rule 8, a write or lock inside a query. */
  static String queryMayNotContain(String what) {
    return "a read-only query may not contain " + what;
  }

  /** Rule 8, some other statement. */
  static String queryMustBeSelect(String found) {
    return "a read-only query must be a SELECT, found " + found;
  }

  /** Rule 10. */
  static String functionNotAllowed(String name) {
    return "function " + name + " is not allowed here";
  }
}
