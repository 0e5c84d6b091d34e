package dev.runbook.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.runbook.engine.compile.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanHashTest {
  static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: fix, version: 1, description: Fix one row, owners: [db-team] }
      params:
        id: { type: integer, minimum: 1 }
        ticket: { type: string }
      environments: [stage, prod]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = :id"]
            bind: { id: "${{ params.id }}" }
            expectRows: 1
            backup: true
          approval: { approvers: { group: db-leads }, timeout: 4h }
      gates:
        promote: { approvers: { group: db-team } }
      """;

  /**
   * Approvals bind to this hash, and runs in flight carry plans compiled by older engines: the
   * canonical form must not drift. If this fails, the plan format changed: bump Plan.FORMAT and say
   * so in the release notes, then update the constant.
   */
  @Test
  void theHashOfAKnownPlanIsStableAcrossEngineVersions() {
    Plan plan = Fixtures.plan(RUNBOOK, "prod", Map.of("id", "42", "ticket", "OPS-1"));

    assertEquals("7f87557e582beb8c853dfac4bf5682a2906d62496a9ff09c7fe7f7abbc8ce52a", plan.hash());
  }

  @Test
  void sameInputsGiveTheSameHashWhateverTheOrderOfParams() {
    Map<String, String> forward = new LinkedHashMap<>();
    forward.put("id", "42");
    forward.put("ticket", "OPS-1");
    Map<String, String> backward = new LinkedHashMap<>();
    backward.put("ticket", "OPS-1");
    backward.put("id", "42");

    Plan first = Fixtures.plan(RUNBOOK, "prod", forward);
    Plan second = Fixtures.plan(RUNBOOK, "prod", backward);

    assertEquals(first.hash(), second.hash());
    assertEquals(PlanJson.canonical(first), PlanJson.canonical(second));
  }

  @Test
  void anyChangeToWhatRunsChangesTheHash() {
    Plan base = Fixtures.plan(RUNBOOK, "prod", Map.of("id", "42", "ticket", "OPS-1"));

    assertNotEquals(
        base.hash(), Fixtures.plan(RUNBOOK, "prod", Map.of("id", "43", "ticket", "OPS-1")).hash());
    assertNotEquals(
        base.hash(), Fixtures.plan(RUNBOOK, "stage", Map.of("id", "42", "ticket", "OPS-1")).hash());
    assertNotEquals(
        base.hash(),
        Fixtures.plan(
                RUNBOOK.replace("timeout: 4h", "timeout: 5h"),
                "prod",
                Map.of("id", "42", "ticket", "OPS-1"))
            .hash());
  }

  @Test
  void theHashIsTheSha256OfTheCanonicalJsonWithoutTheHashField() {
    Plan plan = Fixtures.plan(RUNBOOK, "prod", Map.of("id", "42", "ticket", "OPS-1"));

    assertEquals(plan.hash(), PlanJson.hash(plan));
    String canonical = PlanJson.canonical(plan);
    assertEquals(false, canonical.contains("\"hash\""));
    assertEquals(false, canonical.contains("\n"));
    assertEquals(true, canonical.startsWith("{\"finallySteps\":[],\"format\":\"runbook-plan/v1\""));
  }

  @Test
  void aPlanSurvivesAJsonRoundTripWithTheSameHash() {
    Plan plan = Fixtures.plan(RUNBOOK, "prod", Map.of("id", "42", "ticket", "OPS-1"));

    Plan back = PlanJson.parse(PlanJson.pretty(plan));

    assertEquals(plan.hash(), back.hash());
    assertEquals(plan.hash(), PlanJson.hash(back));
    assertEquals(PlanJson.canonical(plan), PlanJson.canonical(back));
  }
}
