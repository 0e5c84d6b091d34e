package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.worker.TemporalTarget;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The small pieces of run text: durations, run ids, connection flags, visibility queries. */
class RunTextTest {
  @Test
  void durationsReadAsTenthsOfSecondsThenMinutesThenHours() {
    assertEquals("0.0s", RunText.duration(Duration.ZERO));
    assertEquals("0.4s", RunText.duration(Duration.ofMillis(450)));
    assertEquals("12.0s", RunText.duration(Duration.ofSeconds(12)));
    assertEquals("3m05s", RunText.duration(Duration.ofSeconds(185)));
    assertEquals("2h10m", RunText.duration(Duration.ofMinutes(130)));
    assertEquals("0.0s", RunText.duration(Duration.ofMillis(-5)));
  }

  @Test
  void runIdsNameRunbookEnvironmentAndTicketOrTheStartTime() {
    Instant at = Instant.parse("2026-11-21T08:04:05Z");

    assertEquals("fix-prod-OPS-1234", RunIds.base("fix", "prod", "OPS-1234", at));
    assertEquals("fix-prod-CHG-7-1", RunIds.base("fix", "prod", " CHG 7/1 ", at));
    assertEquals("fix-local-20261121-080405", RunIds.base("fix", "local", "", at));
    assertEquals("fix-prod-OPS-1", RunIds.candidate("fix-prod-OPS-1", 1));
    assertEquals("fix-prod-OPS-1-3", RunIds.candidate("fix-prod-OPS-1", 3));
  }

  @Test
  void commandsToShareCarryTheConnectionOnlyWhenItIsNotTheDefault() {
    assertEquals("", RunText.connectionFlags(TemporalTarget.local(7233, "a")));
    assertEquals(
        " --address temporal.internal:7233 --namespace ops",
        RunText.connectionFlags(
            new TemporalTarget("temporal.internal:7233", "ops", null, null, null, "a")));
  }

  @Test
  void theVisibilityQueryFiltersOnTypeStatusAndRunbookAndLeavesTheTargetToTheMemo() {
    assertEquals("WorkflowType = 'Runbook'", new RunList.Filter(null, null, null).query());
    assertEquals(
        "WorkflowType = 'Runbook' AND RunStatus = 'WAITING_APPROVAL'"
            + " AND RunbookName = 'emergency-data-fix'",
        new RunList.Filter("prod", RunStatus.WAITING_APPROVAL, "emergency-data-fix").query());
  }
}
