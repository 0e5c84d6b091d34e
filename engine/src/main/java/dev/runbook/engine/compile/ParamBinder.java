package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.diag.Suggestions;
import dev.runbook.engine.spec.ParamSpec;
import dev.runbook.engine.spec.RunbookSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns {@code -p name=value} launch values into typed params; problems name the flag. */
final class ParamBinder {
  private ParamBinder() {}

  static Map<String, JsonNode> bind(
      RunbookSpec spec, Map<String, String> launch, Diagnostics diagnostics) {
    for (String name : launch.keySet()) {
      if (!spec.params().containsKey(name)) {
        diagnostics.add(
            PlanCompiler.flag(
                spec,
                "-p " + name,
                "unknown param"
                    + Suggestions.didYouMean(name, spec.params().keySet())
                    + (spec.params().isEmpty()
                        ? "; this runbook takes none"
                        : "; it takes: " + String.join(", ", spec.params().keySet()))));
      }
    }
    Map<String, JsonNode> values = new LinkedHashMap<>();
    for (ParamSpec param : spec.params().values()) {
      String text = launch.get(param.name());
      if (text == null) {
        if (param.defaultValue() != null) {
          ParamValues.Outcome outcome = ParamValues.check(param, param.defaultValue());
          if (outcome.ok()) {
            values.put(param.name(), outcome.value());
          }
        } else if (param.required()) {
          diagnostics.add(
              PlanCompiler.flag(
                  spec, "-p " + param.name(), "missing required param" + hint(param)));
        } else {
          values.put(param.name(), NullNode.getInstance()); // optional: expressions read null
        }
        continue;
      }
      ParamValues.Outcome outcome = ParamValues.fromText(param, text);
      for (String problem : outcome.problems()) {
        diagnostics.add(PlanCompiler.flag(spec, "-p " + param.name(), problem));
      }
      if (outcome.ok()) {
        values.put(param.name(), outcome.value());
      }
    }
    return values;
  }

  private static String hint(ParamSpec param) {
    StringBuilder hint = new StringBuilder(" (");
    hint.append(param.type() == null ? "?" : param.type().label());
    if (param.description() != null) {
      hint.append(": ").append(param.description());
    }
    return hint.append(')').toString();
  }
}
