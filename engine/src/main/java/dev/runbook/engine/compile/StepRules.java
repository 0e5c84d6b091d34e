package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.spec.RunbookSpec;
import dev.runbook.engine.spec.StepSpec;
import dev.runbook.engine.steps.Execution;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepType.ApprovalRule;
import dev.runbook.engine.steps.StepTypes;
import dev.runbook.engine.steps.TunnelSessions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Step-level rules: unique ids, where approvals and undos may stand, what a gate shows. */
final class StepRules {
  private final RunbookSpec spec;
  private final TemplateIndex templates;
  private final Reporter reporter;

  StepRules(RunbookSpec spec, TemplateIndex templates, Reporter reporter) {
    this.spec = spec;
    this.templates = templates;
    this.reporter = reporter;
  }

  void check() {
    List<StepSpec> all = spec.allSteps();
    Map<String, StepSpec> firstById = new HashMap<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      StepSpec step = all.get(i);
      if (step.id() == null) {
        continue;
      }
      StepSpec first = firstById.putIfAbsent(step.id(), step);
      if (first != null) {
        int line = spec.source().sourceMap().value(first.pointer() + "/id").line();
        reporter.value(
            Category.SEMANTIC,
            step.at("/id"),
            "duplicate step id '" + step.id() + "' (first used on line " + line + ")");
      } else {
        index.put(step.id(), i);
      }
    }
    for (int i = 0; i < all.size(); i++) {
      StepSpec step = all.get(i);
      Optional<StepType> type = Optional.ofNullable(step.uses()).flatMap(StepTypes::find);
      if (type.isEmpty()) {
        continue;
      }
      checkApproval(step, type.get());
      checkCompensation(step, type.get());
      if (type.get().execution() == Execution.APPROVAL) {
        checkShows(step, i, index);
      }
      if (type.get().execution() == Execution.TIMER) {
        checkCompileTime(step, "/with/duration", "the wait duration");
      }
      if (type.get().execution() == Execution.LEASE) {
        for (String input : java.util.List.of("ttl", "maxTtl", "heartbeatTimeout")) {
          checkCompileTime(step, "/with/" + input, "the lease " + input);
        }
      }
    }
  }

  private void checkApproval(StepSpec step, StepType type) {
    boolean has = step.approval() != null;
    if (has && type.approval() == ApprovalRule.REFUSED) {
      reporter.key(
          Category.SEMANTIC,
          step.at("/approval"),
          "approval is not allowed on "
              + type.name()
              + " steps; add a separate step with uses: approval");
    } else if (!has
        && type.approval() == ApprovalRule.REQUIRED
        && !TunnelSessions.of(step.uses(), step.with())) {
      reporter.value(
          Category.SEMANTIC,
          step.pointer(),
          type.name() + " needs an approval: a reviewer must see what it will do first");
    }
  }

  private void checkCompensation(StepSpec step, StepType type) {
    if (step.compensate() == null) {
      return;
    }
    if (type.execution() != Execution.ACTIVITY) {
      reporter.key(
          Category.SEMANTIC,
          step.at("/compensate"),
          "compensate is only for steps that change something; " + type.name() + " does not");
      return;
    }
    if (step.inFinally()) {
      reporter.key(
          Category.SEMANTIC,
          step.at("/compensate"),
          "finally steps run after compensation and cannot register an undo");
      return;
    }
    String undo = step.compensate().path("uses").asText("");
    Optional<StepType> undoType = StepTypes.find(undo);
    if (undoType.isPresent() && undoType.get().execution() != Execution.ACTIVITY) {
      reporter.value(
          Category.SEMANTIC,
          step.at("/compensate/uses"),
          "an undo must be an action step, not " + undo);
    }
  }

  private void checkShows(StepSpec step, int position, Map<String, Integer> index) {
    JsonNode shows = step.with().path("shows");
    if (!shows.isArray()) {
      return;
    }
    for (int i = 0; i < shows.size(); i++) {
      String id = shows.get(i).asText();
      Integer at = index.get(id);
      String pointer = step.at("/with/shows/" + i);
      if (at == null) {
        reporter.value(Category.SEMANTIC, pointer, "shows unknown step '" + id + "'");
      } else if (at >= position) {
        reporter.value(
            Category.SEMANTIC,
            pointer,
            "shows step '" + id + "', which runs later; a gate can only show earlier steps");
      }
    }
  }

  private void checkCompileTime(StepSpec step, String relative, String what) {
    var template = templates.at(step.at(relative));
    if (template == null) {
      return;
    }
    for (var expression : template.expressions()) {
      for (List<String> path : expression.references()) {
        if (!Scopes.COMPILE_TIME.contains(path.get(0))) {
          reporter.inside(
              Category.EXPRESSION,
              step.at(relative),
              expression.offset(),
              what
                  + " must be known when the plan is compiled: use params or env, not "
                  + path.get(0));
          return;
        }
      }
    }
  }
}
