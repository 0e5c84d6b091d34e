package dev.runbook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.bench.BenchCluster.Kind;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interpreter benchmark's input stays valid and its workflows run (fast: time skipping). */
class InterpreterBenchTest {
  private final Plan plan =
      NoopRunbook.plan(20, CompileBench.environments(CompileBench.repositoryRoot()));

  @Test
  void theBenchRunbookCompilesToTwentyNotifyStepsOnTheLocalQueue() {
    assertEquals(List.of("local"), plan.stages().stream().map(s -> s.environment()).toList());
    assertEquals(BenchCluster.STEP_QUEUE, plan.targetStage().taskQueue());
    assertEquals(20, plan.targetStage().steps().size());
    assertTrue(
        plan.targetStage().steps().stream()
            .allMatch(s -> s instanceof ActivityStep a && a.uses().equals("notify")));
    assertEquals(List.of(), plan.finallySteps());
  }

  @Test
  void oneRunOfEachVariantCompletesWithTwentyActivityCalls() {
    try (BenchCluster cluster = new BenchCluster(false, true)) {
      long calls = 0;
      for (Kind kind : Kind.values()) {
        String id = cluster.run(kind, plan);
        calls += 20;
        assertEquals(calls, cluster.activityCalls(), kind.label);
        List<HistoryEvent> events = cluster.history(id).getEvents();
        assertEquals(
            20,
            events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .count(),
            kind.label);
      }
    }
  }
}
