package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds validated runbooks and environments from inline YAML for tests. */
public final class Fixtures {
  public static final String STAGE =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: stage }
      provider: aws
      taskQueue: runbook-stage
      aws: { region: eu-west-1, profile: dbops-stage }
      databases:
        platform:
          engine: postgresql
          endpoint: platform-stage.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com
          port: 5432
          database: platform
          secretId: stage/platform
          via: direct
          rds: { instanceId: platform-stage }
      teams:
        db-leads: [bob, alice]
        db-team: [carol, dave]
      """;

  public static final String PROD = STAGE.replace("stage", "prod");

  public static final String LOCAL =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: local }
      provider: local
      rehearsal: true
      taskQueue: runbook-local
      databases:
        platform:
          engine: postgresql
          endpoint: 127.0.0.1
          port: 5432
          database: platform
          secretId: local/platform
          via: direct
      teams:
        db-leads: [alice]
        db-team: [alice, bob]
      approvals: { allowSelfApproval: true }
      """;

  private Fixtures() {}

  public static LoadedDocument load(String file, String text) {
    YamlLoader.Result result = new YamlLoader().load(file, text);
    assertEquals(List.of(), result.diagnostics().sorted(), "YAML problems in " + file);
    return result.document().orElseThrow();
  }

  public static ValidatedRunbook runbook(String text) {
    Validation<ValidatedRunbook> v = RunbookValidator.validate(load("runbook.yaml", text));
    assertEquals(List.of(), v.diagnostics(), "runbook problems");
    return v.value().orElseThrow();
  }

  public static ValidatedEnvironment environment(String name, String text) {
    Validation<ValidatedEnvironment> v =
        EnvironmentValidator.validate(load(name + ".yaml", text), name);
    assertEquals(List.of(), v.diagnostics(), "environment problems in " + name);
    return v.value().orElseThrow();
  }

  public static Map<String, ValidatedEnvironment> standardEnvironments() {
    Map<String, ValidatedEnvironment> envs = new LinkedHashMap<>();
    envs.put("local", environment("local", LOCAL));
    envs.put("stage", environment("stage", STAGE));
    envs.put("prod", environment("prod", PROD));
    return envs;
  }

  public static Plan plan(String runbook, String target, Map<String, String> params) {
    PlanCompiler.Result result =
        PlanCompiler.compile(runbook(runbook), standardEnvironments(), target, params);
    assertEquals(List.<Diagnostic>of(), result.diagnostics(), "compile problems");
    return result.plan().orElseThrow();
  }

  public static List<String> problems(String runbook, String target, Map<String, String> params) {
    return PlanCompiler.compile(runbook(runbook), standardEnvironments(), target, params)
        .diagnostics()
        .stream()
        .map(Diagnostic::format)
        .toList();
  }
}
