package dev.runbook.engine.compile;

import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Suggestions;
import dev.runbook.engine.expr.Expression;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.spec.ParamSpec;
import dev.runbook.engine.spec.ParamType;
import dev.runbook.engine.spec.RunbookSpec;
import dev.runbook.engine.spec.StepSpec;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that every expression reads something that exists when it is evaluated: declared params,
 * environment facts, run facts, and outputs of earlier steps; and that no references form a cycle.
 */
final class ReferenceRules {
  private final RunbookSpec spec;
  private final TemplateIndex templates;
  private final Reporter reporter;
  private final Map<String, Integer> order = new HashMap<>();
  private final Map<String, StepSpec> byId = new HashMap<>();

  /** step id -> ids it reads outputs of (excluding its own compensation), for cycle detection. */
  private final Map<String, Set<String>> edges = new LinkedHashMap<>();

  ReferenceRules(RunbookSpec spec, TemplateIndex templates, Reporter reporter) {
    this.spec = spec;
    this.templates = templates;
    this.reporter = reporter;
    int position = 0;
    for (StepSpec step : spec.allSteps()) {
      if (step.id() != null && !byId.containsKey(step.id())) {
        byId.put(step.id(), step);
        order.put(step.id(), position);
      }
      position++;
    }
  }

  void check() {
    collectEdges();
    for (StepSpec step : spec.allSteps()) {
      for (Map.Entry<String, Template> entry : templates.under(step.pointer()).entrySet()) {
        boolean inCompensation = entry.getKey().startsWith(step.at("/compensate"));
        for (Expression expression : entry.getValue().expressions()) {
          for (List<String> path : expression.references()) {
            checkPath(step, inCompensation, entry.getKey(), expression, path);
          }
        }
      }
    }
    for (Map.Entry<String, Template> entry : templates.under("/gates").entrySet()) {
      for (Expression expression : entry.getValue().expressions()) {
        for (List<String> path : expression.references()) {
          checkPath(null, false, entry.getKey(), expression, path);
        }
      }
    }
    reportCycles();
  }

  private void checkPath(
      StepSpec from, boolean inCompensation, String pointer, Expression e, List<String> path) {
    String root = path.get(0);
    String shown = String.join(".", path);
    switch (root) {
      case Scopes.PARAMS -> checkParam(pointer, e, path, shown);
      case Scopes.ENV -> checkField(pointer, e, path, Scopes.ENV_FIELDS, "env");
      case Scopes.RUN -> checkField(pointer, e, path, Scopes.RUN_FIELDS, "run");
      case Scopes.STEPS -> checkStep(from, inCompensation, pointer, e, path, shown);
      default -> report(pointer, e, "unknown name '" + root + "'");
    }
  }

  private void checkParam(String pointer, Expression e, List<String> path, String shown) {
    if (path.size() < 2) {
      report(pointer, e, "'params' needs a parameter name, e.g. params.ticket");
      return;
    }
    ParamSpec param = spec.params().get(path.get(1));
    if (param == null) {
      report(
          pointer,
          e,
          "unknown param '"
              + path.get(1)
              + "'"
              + Suggestions.didYouMean(path.get(1), spec.params().keySet()));
    } else if (path.size() > 2 && param.type() != ParamType.MAP) {
      report(pointer, e, shown + ": param '" + param.name() + "' is not a map");
    }
  }

  private void checkField(
      String pointer, Expression e, List<String> path, Set<String> fields, String root) {
    if (path.size() < 2) {
      return; // the whole object, e.g. for display
    }
    if (!fields.contains(path.get(1))) {
      report(
          pointer,
          e,
          "unknown field '"
              + root
              + "."
              + path.get(1)
              + "'"
              + Suggestions.didYouMean(path.get(1), fields));
    }
  }

  private void checkStep(
      StepSpec from,
      boolean inCompensation,
      String pointer,
      Expression e,
      List<String> path,
      String shown) {
    if (path.size() < 2) {
      report(pointer, e, "'steps' needs a step id, e.g. steps.fix.outputs.rowsAffected");
      return;
    }
    String id = path.get(1);
    StepSpec target = byId.get(id);
    if (target == null) {
      report(pointer, e, "unknown step '" + id + "'" + Suggestions.didYouMean(id, byId.keySet()));
      return;
    }
    if (path.size() >= 3 && !Scopes.STEP_FIELDS.contains(path.get(2))) {
      report(
          pointer,
          e,
          shown
              + ": a step reference reads steps."
              + id
              + ".outputs.<name> or steps."
              + id
              + ".status");
      return;
    }
    if (path.size() >= 4 && path.get(2).equals("outputs")) {
      Optional<StepType> type = Optional.ofNullable(target.uses()).flatMap(StepTypes::find);
      if (type.isPresent() && !type.get().hasOutput(path.get(3))) {
        List<String> outputs = type.get().outputs();
        report(
            pointer,
            e,
            "step '"
                + id
                + "' ("
                + type.get().name()
                + ") has no output '"
                + path.get(3)
                + "'"
                + (outputs.isEmpty()
                    ? "; it has no outputs"
                    : Suggestions.closest(path.get(3), outputs)
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse("; outputs: " + String.join(", ", outputs))));
        return;
      }
    }
    if (from == null) {
      return;
    }
    if (from.id() != null && from.id().equals(id)) {
      if (!inCompensation) {
        report(pointer, e, "step '" + id + "' refers to its own outputs");
      }
      return;
    }
    Integer fromOrder = from.id() == null ? null : order.get(from.id());
    if (fromOrder != null && order.get(id) > fromOrder && !inCycle(from.id(), id)) {
      report(
          pointer,
          e,
          "step '"
              + id
              + "' runs after '"
              + from.id()
              + "': a step can only use outputs of earlier steps");
    }
  }

  /** Every step-to-step reference, before any is judged, so cycles are known in full. */
  private void collectEdges() {
    for (StepSpec step : spec.allSteps()) {
      if (step.id() == null) {
        continue;
      }
      for (Map.Entry<String, Template> entry : templates.under(step.pointer()).entrySet()) {
        if (entry.getKey().startsWith(step.at("/compensate"))) {
          continue;
        }
        for (Expression expression : entry.getValue().expressions()) {
          for (List<String> path : expression.references()) {
            if (path.size() >= 2
                && path.get(0).equals(Scopes.STEPS)
                && byId.containsKey(path.get(1))
                && !path.get(1).equals(step.id())) {
              edges.computeIfAbsent(step.id(), k -> new LinkedHashSet<>()).add(path.get(1));
            }
          }
        }
      }
    }
  }

  /** Cycles are reported once by {@link #reportCycles}; don't report their edges twice. */
  private boolean inCycle(String from, String to) {
    return reaches(to, from, new LinkedHashSet<>());
  }

  private boolean reaches(String from, String goal, Set<String> seen) {
    if (from.equals(goal)) {
      return true;
    }
    if (!seen.add(from)) {
      return false;
    }
    for (String next : edges.getOrDefault(from, Set.of())) {
      if (reaches(next, goal, seen)) {
        return true;
      }
    }
    return false;
  }

  private void reportCycles() {
    Set<String> reported = new LinkedHashSet<>();
    for (StepSpec step : spec.allSteps()) {
      String id = step.id();
      if (id == null || reported.contains(id)) {
        continue;
      }
      List<String> cycle = findCycle(id, id, new ArrayList<>(List.of(id)), new LinkedHashSet<>());
      if (cycle != null) {
        reported.addAll(cycle);
        reporter.value(
            Category.SEMANTIC, step.pointer(), "reference cycle: " + String.join(" -> ", cycle));
      }
    }
  }

  private List<String> findCycle(String start, String at, List<String> path, Set<String> seen) {
    for (String next : edges.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return cycle;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = findCycle(start, next, path, seen);
        if (found != null) {
          return found;
        }
        path.remove(path.size() - 1);
      }
    }
    return null;
  }

  private void report(String pointer, Expression e, String message) {
    reporter.inside(Category.EXPRESSION, pointer, e.offset(), message);
  }
}
