package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled runbook: what a run will do, fully resolved for its environments. Immutable; the
 * workflow input, so history records exactly what ran. {@code hash} is the sha256 of the canonical
 * JSON of every other field ({@link PlanJson#canonical}); approvals bind to it.
 *
 * @param target the environment the run was asked for; {@code stages} ends with it
 * @param params the launch parameters after defaults and type conversion, in declared order
 * @param finallySteps steps that always run at the end, resolved against the target environment
 */
public record Plan(
    String format,
    RunbookRef runbook,
    String target,
    Map<String, JsonNode> params,
    List<Stage> stages,
    List<Step> finallySteps,
    String hash) {

  /** The version of this record layout; bumped when its JSON shape changes. */
  public static final String FORMAT = "runbook-plan/v1";

  public Plan {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    stages = List.copyOf(stages);
    finallySteps = List.copyOf(finallySteps);
  }

  /** The stage of the target environment. */
  public Stage targetStage() {
    return stages.get(stages.size() - 1);
  }
}
