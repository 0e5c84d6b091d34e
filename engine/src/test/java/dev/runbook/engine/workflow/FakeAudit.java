package dev.runbook.engine.workflow;

import dev.runbook.engine.activities.AuditActivities;
import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.activities.AuditReceipt;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** An audit store in memory: keeps every batch it accepted; can be made to fail like a lost one. */
final class FakeAudit implements AuditActivities {
  final List<AuditBatch> batches = new CopyOnWriteArrayList<>();
  final AtomicBoolean down = new AtomicBoolean();
  final AtomicInteger refused = new AtomicInteger();

  @Override
  public AuditReceipt record(AuditBatch batch) {
    if (down.get()) {
      refused.incrementAndGet();
      throw ApplicationFailure.newFailure("connection refused (audit store down)", "TRANSIENT");
    }
    batches.add(batch);
    return AuditReceipt.written();
  }
}
