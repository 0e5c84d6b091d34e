package dev.runbook.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.util.concurrent.atomic.AtomicLong;

/** A notify that does nothing but count: the benchmarks measure everything around it. */
public final class NoopNotify implements NotifyActivities {
  final AtomicLong calls = new AtomicLong();

  @Override
  public StepResult notify(StepRequest request) {
    calls.incrementAndGet();
    return new StepResult(JsonNodeFactory.instance.objectNode().put("delivered", true), "posted");
  }
}
