package dev.runbook.engine.sql;

/** Where SQL text appears; decides what it may contain. */
public enum SqlContext {
  /** Read-only: sql.query, sql.export, verify queries, {@code sql} params of kind select. */
  QUERY,
  /** One data change: sql.change statements, {@code sql} params of kind dml. */
  CHANGE
}
