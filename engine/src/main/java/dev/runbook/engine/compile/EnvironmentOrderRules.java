package dev.runbook.engine.compile;

import dev.runbook.engine.diag.Category;
import dev.runbook.engine.spec.RunbookSpec;
import java.util.List;
import java.util.Set;

/** Environments run in order: production never first, and a promote gate between them. */
final class EnvironmentOrderRules {
  static final Set<String> PRODUCTION_NAMES = Set.of("prod", "production");

  private final RunbookSpec spec;
  private final Reporter reporter;

  EnvironmentOrderRules(RunbookSpec spec, Reporter reporter) {
    this.spec = spec;
    this.reporter = reporter;
  }

  void check() {
    List<String> environments = spec.environments();
    if (!environments.isEmpty() && PRODUCTION_NAMES.contains(environments.get(0))) {
      reporter.value(
          Category.SEMANTIC,
          "/environments/0",
          "'"
              + environments.get(0)
              + "' needs an earlier environment (such as stage) to run and be verified first");
    }
    if (environments.size() > 1 && spec.promote() == null) {
      reporter.value(
          Category.SEMANTIC,
          "/environments",
          "gates.promote is required when a runbook lists more than one environment: someone"
              + " verifies each environment before the next");
    }
  }
}
