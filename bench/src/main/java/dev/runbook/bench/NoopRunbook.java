package dev.runbook.bench;

import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.YamlLoader;
import java.util.Map;

/** A runbook of {@code steps} notify steps, compiled for {@code local} (one stage, no gate). */
public final class NoopRunbook {
  private NoopRunbook() {}

  public static String text(int steps) {
    StringBuilder y =
        new StringBuilder(
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata:
              name: bench-noop
              version: 1
              description: Notify steps only, for the interpreter benchmark
              owners: [db-team]
            environments: [stage, prod]
            steps:
            """);
    for (int i = 1; i <= steps; i++) {
      y.append("  - id: n")
          .append(i)
          .append("\n    uses: notify\n    with: { text: \"step ")
          .append(i)
          .append("\" }\n");
    }
    y.append(
        """
        gates:
          promote: { approvers: { group: db-team }, timeout: 1h }
        """);
    return y.toString();
  }

  /** The compiled plan; any diagnostic is fatal (the bench must not measure an error). */
  public static Plan plan(int steps, Map<String, ValidatedEnvironment> environments) {
    String text = text(steps);
    Validation<ValidatedRunbook> runbook =
        dev.runbook.engine.compile.RunbookValidator.validate(
            new YamlLoader().load("bench-noop.yaml", text).document().orElseThrow());
    if (runbook.value().isEmpty()) {
      throw new IllegalStateException("bench runbook is invalid: " + runbook.diagnostics());
    }
    PlanCompiler.Result result =
        PlanCompiler.compile(runbook.value().get(), environments, "local", Map.of());
    return result
        .plan()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "bench runbook does not compile: " + result.diagnostics()));
  }
}
