package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.compile.JsonValues;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.ApprovalStep;
import dev.runbook.engine.plan.AssertStep;
import dev.runbook.engine.plan.LeaseStep;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.plan.WaitStep;
import dev.runbook.engine.steps.StepTypes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What expressions read while a stage runs: params, the environment's facts, run facts and the
 * outputs of the stage's steps so far. Resolves the templates left in a plan.
 */
final class RunScope {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Map<String, Object> params;
  private final Object env;
  private final Map<String, Object> run;
  private final Map<String, Object> steps = new LinkedHashMap<>();

  RunScope(Map<String, JsonNode> params, JsonNode facts, Map<String, Object> run) {
    Map<String, Object> plain = new LinkedHashMap<>();
    params.forEach((k, v) -> plain.put(k, JsonValues.toPlain(v)));
    this.params = plain;
    this.env = JsonValues.toPlain(facts);
    this.run = run;
  }

  private RunScope(RunScope from) {
    this.params = from.params;
    this.env = from.env;
    this.run = from.run;
  }

  /**
   * The scope of {@code finally} steps: this stage's step results, and for each of {@code
   * mainSteps} every output its step type declares, null when the step did not produce it (it
   * failed, was skipped or never ran, status {@code not-run}), so a {@code finally} step can report
   * what happened without failing on what did not.
   */
  RunScope forFinally(List<Step> mainSteps) {
    RunScope out = new RunScope(this);
    for (Step step : mainSteps) {
      Map<String, Object> outputs = new LinkedHashMap<>();
      StepTypes.find(uses(step))
          .ifPresent(type -> type.outputs().forEach(name -> outputs.put(name, null)));
      Object status = NOT_RUN;
      if (steps.get(step.id()) instanceof Map<?, ?> ran) {
        status = ran.get("status");
        if (ran.get("outputs") instanceof Map<?, ?> produced) {
          produced.forEach((k, v) -> outputs.put(String.valueOf(k), v));
        }
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("status", status);
      entry.put("outputs", outputs);
      out.steps.put(step.id(), entry);
    }
    return out;
  }

  /** The status {@code finally} steps read for a main-body step the run never reached. */
  static final String NOT_RUN = "not-run";

  private static String uses(Step step) {
    return switch (step) {
      case ActivityStep a -> a.uses();
      case ApprovalStep a -> "approval";
      case WaitStep w -> "wait";
      case AssertStep a -> "assert";
      case LeaseStep l -> "lease";
    };
  }

  void recordStep(String id, StepOutcome outcome, JsonNode outputs) {
    Map<String, Object> step = new LinkedHashMap<>();
    step.put("status", outcome.name().toLowerCase(java.util.Locale.ROOT));
    step.put("outputs", outputs == null ? Map.of() : JsonValues.toPlain(outputs));
    steps.put(id, step);
  }

  JsonNode outputsOf(String id) {
    Object step = steps.get(id);
    if (step instanceof Map<?, ?> map) {
      return JsonValues.toJson(map.get("outputs"));
    }
    return NODES.objectNode();
  }

  private Map<String, Object> scope() {
    Map<String, Object> scope = new LinkedHashMap<>();
    scope.put("params", params);
    scope.put("env", env);
    scope.put("run", run);
    scope.put("steps", steps);
    return scope;
  }

  /** Every template in the tree rendered; escaped literal text comes out as written. */
  JsonNode resolve(JsonNode node) throws ExpressionException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NODES.nullNode();
    }
    if (node.isTextual()) {
      Template template = Template.parse(node.asText());
      return JsonValues.toJson(template.render(scope()));
    }
    if (node.isArray()) {
      ArrayNode out = NODES.arrayNode();
      for (JsonNode item : node) {
        out.add(resolve(item));
      }
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = NODES.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), resolve(e.getValue()));
      }
      return out;
    }
    return node.deepCopy();
  }

  /** A condition: a constant boolean, or a template that must render to a boolean. */
  boolean test(JsonNode condition) throws ExpressionException {
    if (condition == null || condition.isNull()) {
      return true;
    }
    if (condition.isBoolean()) {
      return condition.asBoolean();
    }
    JsonNode value = resolve(condition);
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    if (value.isNull()) {
      return false;
    }
    throw new ExpressionException(
        "a condition must be true or false, got " + value + " from " + condition.asText(), 0);
  }
}
