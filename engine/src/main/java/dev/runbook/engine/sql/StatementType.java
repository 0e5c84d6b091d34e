package dev.runbook.engine.sql;

/** What a statement is. */
public enum StatementType {
  SELECT,
  INSERT,
  UPDATE,
  DELETE,
  MERGE,
  DDL,
  TRANSACTION_CONTROL,
  OTHER
}
