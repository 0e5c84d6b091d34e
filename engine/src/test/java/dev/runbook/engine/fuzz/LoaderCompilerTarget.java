package dev.runbook.engine.fuzz;

import dev.runbook.engine.compile.EnvironmentValidator;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the fuzzers feed: one text through the whole front end, as a runbook (load, validate,
 * compile for stage and for prod with launch params) and as an environment file. Any outcome is
 * fine except an exception: bad input must end as diagnostics.
 */
final class LoaderCompilerTarget {
  private LoaderCompilerTarget() {}

  private static final Map<String, ValidatedEnvironment> ENVIRONMENTS =
      Map.of("stage", environment("stage"), "prod", environment("prod"));

  /** Launch values that fit the params runbooks of the corpus commonly declare. */
  private static final Map<String, String> PARAMS =
      Map.of(
          "ticket", "OPS-1",
          "database", "platform",
          "expectRows", "1",
          "change", "UPDATE invoices SET total = 0 WHERE id = :id",
          "bind", "{\"id\": 7}");

  /** A valid runbook that goes all the way through the compiler. */
  static final String WARM_UP =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: warm, version: 1 }
      params:
        ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$', required: true }
      environments: [stage]
      steps:
        - id: check
          uses: sql.query
          with: { database: platform, query: "SELECT id FROM invoices WHERE id = :id", bind: { id: 1 } }
      """;

  /** Runs the text through the front end; returns how many diagnostics it gave. */
  static int check(String text) {
    int problems = 0;
    YamlLoader.Result loaded = new YamlLoader().load("rb.yaml", text);
    problems += loaded.diagnostics().sorted().size();
    Optional<LoadedDocument> document = loaded.document();
    if (document.isEmpty()) {
      return problems;
    }
    Validation<ValidatedRunbook> runbook = RunbookValidator.validate(document.get());
    problems += format(runbook.diagnostics());
    if (runbook.value().isPresent()) {
      for (String env : List.of("stage", "prod")) {
        problems +=
            format(
                PlanCompiler.compile(runbook.value().get(), ENVIRONMENTS, env, PARAMS)
                    .diagnostics());
        problems +=
            format(
                PlanCompiler.compile(runbook.value().get(), ENVIRONMENTS, env, Map.of())
                    .diagnostics());
      }
    }
    YamlLoader.Result asEnvironment = new YamlLoader().load("stage.yaml", text);
    if (asEnvironment.document().isPresent()) {
      problems +=
          format(
              EnvironmentValidator.validate(asEnvironment.document().get(), "stage").diagnostics());
    }
    return problems;
  }

  /** Formatting is part of the path: a diagnostic that cannot print is a bug too. */
  private static int format(List<Diagnostic> diagnostics) {
    diagnostics.forEach(Diagnostic::format);
    return diagnostics.size();
  }

  private static ValidatedEnvironment environment(String name) {
    String text =
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: %s }
        provider: local
        taskQueue: runbook-%s
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: 5432
            database: platform
            secretId: %s/platform
            rds: { instanceId: platform-%s }
        teams:
          db-leads: [alice, bob]
        """
            .formatted(name, name, name, name);
    LoadedDocument document = new YamlLoader().load(name + ".yaml", text).document().orElseThrow();
    return EnvironmentValidator.validate(document, name).value().orElseThrow();
  }
}
