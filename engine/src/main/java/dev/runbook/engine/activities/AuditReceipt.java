package dev.runbook.engine.activities;

/**
 * What the audit store answered.
 *
 * @param stored whether the batch is in a store; false when the worker has none configured
 * @param note why not, in words (empty when stored)
 */
public record AuditReceipt(boolean stored, String note) {
  public static AuditReceipt written() {
    return new AuditReceipt(true, "");
  }
}
