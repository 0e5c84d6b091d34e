package dev.runbook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.YamlLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark input stays a valid runbook as the language evolves. */
class RunbookGeneratorTest {
  private final YamlLoader loader = new YamlLoader();
  private final String text = RunbookGenerator.generate(1000);

  @Test
  void theGeneratedRunbookValidatesWithoutDiagnostics() {
    Validation<ValidatedRunbook> runbook = CompileBench.validate(loader, text);

    assertEquals(List.of(), runbook.diagnostics());
    assertEquals(1000, runbook.value().orElseThrow().spec().steps().size());
  }

  @Test
  void theGeneratedRunbookCompilesForLocalWithoutDiagnostics() {
    PlanCompiler.Result result =
        CompileBench.compile(
            loader, text, CompileBench.environments(CompileBench.repositoryRoot()));

    assertEquals(List.of(), result.diagnostics());
    Plan plan = result.plan().orElseThrow();
    assertEquals(1000, plan.targetStage().steps().size());
    assertEquals(List.of("local"), plan.stages().stream().map(s -> s.environment()).toList());
  }

  @Test
  void theGeneratedRunbookCompilesForProdThroughStage() {
    PlanCompiler.Result result =
        dev.runbook.engine.compile.PlanCompiler.compile(
            CompileBench.validate(loader, text).value().orElseThrow(),
            CompileBench.environments(CompileBench.repositoryRoot()),
            "prod",
            java.util.Map.of("database", "invoicing", "ticket", "OPS-42"));

    assertEquals(List.of(), result.diagnostics());
    assertEquals(2, result.plan().orElseThrow().stages().size());
  }

  @Test
  void theMixHasEveryStepTypeTheBenchmarkClaims() {
    for (String uses :
        List.of("sql.query", "sql.change", "approval", "notify", "wait", "aws.rds.snapshot")) {
      assertTrue(text.contains("uses: " + uses + "\n"), uses);
    }
    assertTrue(text.contains("when: "));
    assertTrue(text.contains("outputs."));
  }
}
