package dev.runbook.engine.sql;

import static dev.runbook.engine.sql.SqlContext.CHANGE;
import static dev.runbook.engine.sql.SqlContext.MIGRATION;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guards in the migration context (the revert SQL of a failed migration): DDL is allowed, the
 * other rules hold as in a change.
 */
class MigrationSqlGuardTest {

  private static List<String> findings(String sql) {
    return SqlGuard.analyze(sql, MIGRATION).findings().stream().map(SqlFinding::message).toList();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ALTER TABLE invoices DROP COLUMN status",
        "DROP INDEX invoices_status_idx",
        "ALTER TABLE invoices DROP INDEX invoices_status_idx",
        "CREATE TABLE t (id integer PRIMARY KEY)",
        "DROP TABLE IF EXISTS invoice_notes",
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "UPDATE invoices SET status = NULL WHERE status = 'new'",
        "DELETE FROM invoice_notes WHERE id > 100"
      })
  void acceptsDdlAndGuardedDml(String sql) {
    assertEquals(List.of(), findings(sql), sql);
  }

  @Test
  void ddlIsStillRefusedInAChange() {
    assertEquals(
        List.of("DDL (ALTER TABLE) is only allowed in migration steps"),
        SqlGuard.analyze("ALTER TABLE invoices DROP COLUMN status", CHANGE).findings().stream()
            .map(SqlFinding::message)
            .toList());
  }

  @Test
  void keepsTheOtherRules() {
    assertEquals(
        List.of("one statement per string, found 2"),
        findings("ALTER TABLE a DROP COLUMN b; DROP TABLE c"));
    assertEquals(
        List.of("transaction control (COMMIT) is not allowed: the engine owns the transaction"),
        findings("COMMIT"));
    assertEquals(
        List.of("UPDATE without WHERE would change every row of invoices"),
        findings("UPDATE invoices SET status = NULL"));
    assertEquals(
        List.of("a migration statement must be DDL, INSERT, UPDATE, DELETE or MERGE, found SELECT"),
        findings("SELECT 1"));
    assertEquals(
        List.of("function pg_sleep is not allowed here"),
        findings("SELECT pg_sleep(1)").stream().filter(f -> f.startsWith("function")).toList());
    assertEquals(
        List.of("use :named bind parameters, not ?"), findings("DELETE FROM t WHERE a = ?"));
    assertEquals(
        List.of("TRUNCATE would delete every row: not allowed in a migration statement"),
        findings("TRUNCATE TABLE invoices"));
  }
}
