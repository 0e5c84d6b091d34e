package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.spec.ParamSpec;
import dev.runbook.engine.spec.ParamType;
import dev.runbook.engine.spec.RunbookSpec;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parameter declarations make sense: options fit the type, defaults are valid values. */
final class ParamRules {
  private static final Set<ParamType> NUMERIC = Set.of(ParamType.INTEGER);
  private static final Set<ParamType> TEXTUAL = Set.of(ParamType.STRING);

  private final RunbookSpec spec;
  private final Reporter reporter;

  ParamRules(RunbookSpec spec, Reporter reporter) {
    this.spec = spec;
    this.reporter = reporter;
  }

  void check() {
    for (ParamSpec param : spec.params().values()) {
      if (param.type() == null) {
        continue; // the schema reports unknown types
      }
      JsonNode node = spec.source().tree().at(param.pointer());
      onlyFor(param, node, "kind", Set.of(ParamType.SQL));
      onlyFor(param, node, "minimum", NUMERIC);
      onlyFor(param, node, "maximum", NUMERIC);
      onlyFor(param, node, "pattern", TEXTUAL);
      onlyFor(param, node, "minLength", TEXTUAL);
      onlyFor(param, node, "maxLength", TEXTUAL);
      if (param.type() == ParamType.SQL && param.sqlKind() == null) {
        reporter.value(
            Category.SEMANTIC, param.pointer(), "a sql param needs kind: select, dml or migration");
      }
      if (param.pattern() != null) {
        try {
          Pattern.compile(param.pattern());
        } catch (PatternSyntaxException e) {
          reporter.value(
              Category.SEMANTIC,
              param.pointer() + "/pattern",
              "not a valid regular expression: " + e.getDescription());
        }
      }
      if (param.minimum() != null
          && param.maximum() != null
          && param.minimum().compareTo(param.maximum()) > 0) {
        reporter.value(
            Category.SEMANTIC, param.pointer() + "/minimum", "minimum is greater than maximum");
      }
      if (param.defaultValue() != null) {
        ParamValues.Outcome outcome = ParamValues.check(param, param.defaultValue());
        for (String problem : outcome.problems()) {
          reporter.value(Category.SEMANTIC, param.pointer() + "/default", "default: " + problem);
        }
      }
      for (int i = 0; i < param.allowed().size(); i++) {
        JsonNode option = param.allowed().get(i);
        ParamSpec unconstrained =
            new ParamSpec(
                param.name(),
                param.pointer(),
                param.type(),
                null,
                false,
                null,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                param.sqlKind());
        for (String problem : ParamValues.check(unconstrained, option).problems()) {
          reporter.value(
              Category.SEMANTIC, param.pointer() + "/enum/" + i, "enum value: " + problem);
        }
      }
    }
  }

  private void onlyFor(ParamSpec param, JsonNode node, String option, Set<ParamType> types) {
    if (node.has(option) && !types.contains(param.type())) {
      reporter.key(
          Category.SEMANTIC,
          param.pointer() + "/" + option,
          option + " does not apply to a param of type " + param.type().label());
    }
  }
}
