package dev.runbook.engine.workflow;

import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.steps.TunnelSessions;
import java.util.Set;
import java.util.TreeMap;

/** Which databases a plan changes, as lock ids, sorted so every run takes them in one order. */
final class TargetLocks {
  /** Step types that change a database (a second such run on the same database must wait). */
  static final Set<String> CHANGING =
      Set.of(
          "sql.change",
          "sql.restore",
          "sql.terminate-sessions",
          "flyway.migrate",
          "flyway.repair",
          "prisma.revert");

  private TargetLocks() {}

  /** Lock id -> what it protects, in words. */
  static TreeMap<String, String> of(Plan plan) {
    TreeMap<String, String> ids = new TreeMap<>();
    for (Stage stage : plan.stages()) {
      for (Step step : stage.steps()) {
        if (step instanceof ActivityStep activity
            && CHANGING.contains(activity.uses())
            // lease-end cleanup: only the environment's tunnel sessions, while other leases run
            && !TunnelSessions.of(activity.uses(), activity.with())
            && activity.with().path("database").isTextual()
            && !activity.with().path("database").asText().contains("${{")) {
          String database = activity.with().path("database").asText();
          ids.put(
              TargetLockWorkflow.lockId(stage.environment(), database),
              "database " + database + " of " + stage.environment());
        }
      }
    }
    return ids;
  }
}
