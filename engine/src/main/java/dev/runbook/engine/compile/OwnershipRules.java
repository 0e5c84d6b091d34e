package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.spec.RunbookSpec;
import dev.runbook.engine.spec.StepSpec;
import dev.runbook.engine.steps.OwnedInput;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepTypes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run may only delete, stop or restore over what it created itself; a point-in-time restore must
 * create a new instance, never land on its source.
 */
final class OwnershipRules {
  private final RunbookSpec spec;
  private final TemplateIndex templates;
  private final Reporter reporter;

  OwnershipRules(RunbookSpec spec, TemplateIndex templates, Reporter reporter) {
    this.spec = spec;
    this.templates = templates;
    this.reporter = reporter;
  }

  void check() {
    Map<String, String> typeOf = new HashMap<>();
    List<StepSpec> all = spec.allSteps();
    for (StepSpec step : all) {
      if (step.id() != null && step.uses() != null) {
        typeOf.putIfAbsent(step.id(), step.uses());
      }
    }
    for (StepSpec step : all) {
      checkStep(step.uses(), step.with(), step.at("/with"), typeOf);
      JsonNode compensate = step.compensate();
      if (compensate != null && compensate.isObject()) {
        checkStep(
            compensate.path("uses").asText(null),
            compensate.path("with"),
            step.at("/compensate/with"),
            typeOf);
      }
    }
  }

  private void checkStep(
      String uses, JsonNode with, String withPointer, Map<String, String> typeOf) {
    Optional<StepType> type = Optional.ofNullable(uses).flatMap(StepTypes::find);
    if (type.isEmpty()) {
      return;
    }
    for (OwnedInput owned : type.get().ownedInputs()) {
      String pointer = withPointer + "/" + owned.input();
      if (with.path(owned.input()).isMissingNode()) {
        continue; // required inputs are the schema's business
      }
      if (!createdByRun(templates.at(pointer), owned, typeOf)) {
        reporter.value(
            Category.SEMANTIC,
            pointer,
            type.get().name()
                + " may "
                + owned.what()
                + ": use ${{ steps.<id>.outputs."
                + owned.output()
                + " }} of an earlier "
                + String.join(" or ", owned.creators().stream().sorted().toList())
                + " step");
      }
    }
    if (type.get().name().equals("aws.rds.restore-pitr")) {
      checkRestoreTarget(with, withPointer);
    }
  }

  private static boolean createdByRun(
      Template template, OwnedInput owned, Map<String, String> typeOf) {
    if (!(template instanceof Template.Single single)) {
      return false;
    }
    List<List<String>> refs = single.expression().references();
    if (refs.size() != 1) {
      return false;
    }
    List<String> path = refs.get(0);
    return path.size() == 4
        && path.get(0).equals(Scopes.STEPS)
        && path.get(2).equals("outputs")
        && path.get(3).equals(owned.output())
        // an unknown step is the expression check's to report; Set.of().contains(null) throws
        && typeOf.containsKey(path.get(1))
        && owned.creators().contains(typeOf.get(path.get(1)));
  }

  private void checkRestoreTarget(JsonNode with, String withPointer) {
    JsonNode source = with.path("source");
    JsonNode target = with.path("target");
    if (source.isTextual()
        && target.isTextual()
        && source.asText().strip().equalsIgnoreCase(target.asText().strip())) {
      reporter.value(
          Category.SEMANTIC,
          withPointer + "/target",
          "restore target '"
              + target.asText()
              + "' is the source: a point-in-time restore must create a NEW instance");
    }
  }
}
