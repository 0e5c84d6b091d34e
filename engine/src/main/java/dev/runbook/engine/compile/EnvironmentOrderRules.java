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
    if (spec.independentEnvironments()) {
      checkIndependent();
      return;
    }
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

  /** Step types a runbook whose environments run alone may use: none of them changes data. */
  static final Set<String> ACCESS_ONLY =
      Set.of(
          "aws.ec2.start",
          "aws.ec2.stop",
          "aws.ec2.allow-ingress",
          "aws.ec2.revoke-ingress",
          "aws.secrets.get",
          "ssh.tunnel",
          "sql.query",
          "flyway.info",
          "flyway.validate",
          "approval",
          "wait",
          "lease",
          "notify",
          "assert");

  private void checkIndependent() {
    if (spec.promote() != null) {
      reporter.key(
          Category.SEMANTIC,
          "/gates/promote",
          "gates.promote has no use with environmentOrder: independent (each run targets one"
              + " environment alone)");
    }
    List<dev.runbook.engine.spec.StepSpec> all = new java.util.ArrayList<>(spec.steps());
    all.addAll(spec.finallySteps());
    for (dev.runbook.engine.spec.StepSpec step : all) {
      if (step.uses() != null
          && !ACCESS_ONLY.contains(step.uses())
          // the lease-end cleanup of the access itself, chosen by the environment's policy
          && !dev.runbook.engine.steps.TunnelSessions.of(step.uses(), step.with())) {
        reporter.value(
            Category.SEMANTIC,
            step.at("/uses"),
            step.uses()
                + " changes data: with environmentOrder: independent a run reaches prod without"
                + " running stage first, so only access steps are allowed ("
                + String.join(", ", new java.util.TreeSet<>(ACCESS_ONLY))
                + ")");
      }
    }
  }
}
