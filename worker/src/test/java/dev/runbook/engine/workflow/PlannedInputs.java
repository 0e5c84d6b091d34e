package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For worker tests that call activities directly: a planned step's inputs resolved by the
 * interpreter's own {@link RunScope} (package-private), as {@code RunbookWorkflowImpl} resolves
 * them before it schedules the activity, so a test's inputs are exactly what {@code runbook run}
 * would send.
 */
public final class PlannedInputs {
  private PlannedInputs() {}

  public static JsonNode resolve(Plan plan, Stage stage, JsonNode with) throws ExpressionException {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("environment", stage.environment());
    return new RunScope(plan.params(), stage.facts(), run).resolve(with);
  }
}
