package dev.runbook.engine.sql;

/** Where SQL text appears; decides what it may contain. */
public enum SqlContext {
  /** Read-only: sql.query, sql.export, verify queries, {@code sql} params of kind select. */
  QUERY,
  /** One data change: sql.change statements, {@code sql} params of kind dml. */
  CHANGE,
  /**
   * A migration-class statement: the revert SQL of a failed migration's partial changes ({@code
   * flyway.repair} {@code revert}), {@code sql} params of kind migration. DDL is allowed; DML still
   * needs a real WHERE; everything else the guards refuse stays refused.
   */
  MIGRATION
}
