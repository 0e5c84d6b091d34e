package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunStatusTest {
  @Test
  void everyStatusHasATransitionRow() {
    assertEquals(EnumSet.allOf(RunStatus.class), RunStatus.TRANSITIONS.keySet());
  }

  @Test
  void finalStatusesMoveNowhere() {
    for (RunStatus end :
        Set.of(
            RunStatus.COMPLETED,
            RunStatus.FAILED,
            RunStatus.COMPENSATION_INCOMPLETE,
            RunStatus.REJECTED,
            RunStatus.TIMED_OUT,
            RunStatus.CANCELLED)) {
      assertTrue(end.isFinal(), end.name());
      for (RunStatus next : RunStatus.values()) {
        assertFalse(end.canMoveTo(next), end + " -> " + next);
      }
    }
  }

  @Test
  void aRunCompensatesBeforeItEndsAsFailedAndNeverCompletesAfterCompensating() {
    assertTrue(RunStatus.RUNNING.canMoveTo(RunStatus.COMPENSATING));
    assertTrue(RunStatus.COMPENSATING.canMoveTo(RunStatus.FAILED));
    assertTrue(RunStatus.COMPENSATING.canMoveTo(RunStatus.COMPENSATION_INCOMPLETE));
    assertFalse(RunStatus.COMPENSATING.canMoveTo(RunStatus.COMPLETED));
    assertFalse(RunStatus.COMPENSATING.canMoveTo(RunStatus.RUNNING));
    assertFalse(RunStatus.WAITING_APPROVAL.canMoveTo(RunStatus.COMPLETED));
  }
}
