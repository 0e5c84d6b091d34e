package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The catalog's migration runbooks ({@code runbooks/schema-migration.yaml}, {@code
 * runbooks/migration-repair.yaml}, {@code runbooks/prisma-migration-repair.yaml}) validate and
 * compile for stage and prod with the shipped environment files (their exec allowlists included),
 * and the revert param only takes one guarded migration statement.
 */
class MigrationRunbooksTest {
  private static final Path ROOT = root();

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("runbooks").resolve("environments"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no runbooks/environments above the working directory");
    return dir;
  }

  private static PlanCompiler.Result compile(String file, String env, Map<String, String> params) {
    Validation<ValidatedRunbook> runbook =
        Workspace.runbook(ROOT.resolve("runbooks").resolve(file));
    assertEquals(List.of(), runbook.diagnostics(), file);
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(ROOT.resolve("runbooks").resolve("environments"), problems);
    assertEquals(List.of(), problems);
    return PlanCompiler.compile(runbook.value().orElseThrow(), envs, env, params);
  }

  private static List<String> uses(Stage stage) {
    List<String> out = new ArrayList<>();
    for (Step step : stage.steps()) {
      out.add(step.id() + (step instanceof ActivityStep a ? ":" + a.uses() : ""));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"stage", "prod"})
  void schemaMigrationPlansSnapshotInfoReviewMigrateForEachEnvironment(String env) {
    PlanCompiler.Result result =
        compile(
            "schema-migration.yaml",
            env,
            Map.of("database", "invoicing", "ticket", "OPS-7", "target", "2"));
    assertEquals(List.of(), result.diagnostics());
    Plan plan = result.plan().orElseThrow();
    assertEquals(env.equals("prod") ? 2 : 1, plan.stages().size());
    for (Stage stage : plan.stages()) {
      assertEquals(
          List.of(
              "snapshot:aws.rds.snapshot",
              "before:flyway.info",
              "valid:flyway.validate",
              "clean_history",
              "review",
              "migrate:flyway.migrate",
              "after:flyway.info"),
          uses(stage));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"stage", "prod"})
  void migrationRepairPlansDetectSnapshotReviewRepairMigrateVerify(String env) {
    PlanCompiler.Result result =
        compile(
            "migration-repair.yaml",
            env,
            Map.of(
                "database",
                "invoicing",
                "ticket",
                "OPS-7",
                "revert",
                "ALTER TABLE invoices DROP COLUMN paid_at"));
    assertEquals(List.of(), result.diagnostics());
    for (Stage stage : result.plan().orElseThrow().stages()) {
      assertEquals(
          List.of(
              "detect:flyway.info",
              "snapshot:aws.rds.snapshot",
              "review",
              "repair:flyway.repair",
              "migrate:flyway.migrate",
              "verify:flyway.info",
              "repaired"),
          uses(stage));
    }
  }

  @Test
  void theRevertParamTakesOneGuardedMigrationStatementOnly() {
    List<String> problems =
        compile(
                "migration-repair.yaml",
                "stage",
                Map.of(
                    "database",
                    "invoicing",
                    "ticket",
                    "OPS-7",
                    "revert",
                    "ALTER TABLE invoices DROP COLUMN a; DELETE FROM invoices"))
            .diagnostics()
            .stream()
            .map(Diagnostic::format)
            .toList();
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).endsWith("-p revert: one statement per string, found 2"),
        problems.toString());
    List<String> unguarded =
        compile(
                "migration-repair.yaml",
                "stage",
                Map.of(
                    "database", "invoicing", "ticket", "OPS-7", "revert", "DELETE FROM invoices"))
            .diagnostics()
            .stream()
            .map(Diagnostic::format)
            .toList();
    assertTrue(
        unguarded.toString().contains("DELETE without WHERE would delete every row of invoices"),
        unguarded.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"stage", "prod"})
  void prismaRepairPlansDetectSnapshotReviewRevertResolveDeployStatusVerify(String env) {
    PlanCompiler.Result result =
        compile(
            "prisma-migration-repair.yaml",
            env,
            Map.of(
                "database",
                "platform",
                "project",
                "apps/platform",
                "ticket",
                "OPS-7",
                "revert",
                "ALTER TABLE \"Account\" DROP COLUMN \"status\""));
    assertEquals(List.of(), result.diagnostics());
    for (Stage stage : result.plan().orElseThrow().stages()) {
      assertEquals(
          List.of(
              "detect:sql.query",
              "snapshot:aws.rds.snapshot",
              "review",
              "revert:prisma.revert",
              "resolve:exec",
              "deploy:exec",
              "status:exec",
              "verify:sql.query",
              "repaired"),
          uses(stage));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"stage", "prod"})
  void thePrismaRevertIsTheGuardedStepOnTheFailedMigrationNotAnExec(String env) {
    Plan plan =
        compile(
                "prisma-migration-repair.yaml",
                env,
                Map.of(
                    "database", "platform",
                    "project", "apps/platform",
                    "ticket", "OPS-7",
                    "revert", "ALTER TABLE \"Account\" DROP COLUMN \"status\""))
            .plan()
            .orElseThrow();
    ActivityStep revert =
        (ActivityStep)
            plan.stages().get(0).steps().stream()
                .filter(s -> s.id().equals("revert"))
                .findFirst()
                .orElseThrow();
    assertEquals("platform", revert.with().path("database").asText());
    assertEquals(
        "${{ steps.detect.outputs.rows[0][0] }}", revert.with().path("migration").asText());
    assertEquals(
        "ALTER TABLE \"Account\" DROP COLUMN \"status\"",
        revert.with().path("revert").path(0).asText());
    assertEquals(1, revert.retry().maxAttempts());
  }

  /** SQL text as an argv item of psql/mysql would bypass the guards: no environment allows it. */
  @ParameterizedTest
  @ValueSource(strings = {"local", "stage", "prod"})
  void noShippedEnvironmentLetsExecRunSqlTextThroughAClient(String env) {
    List<Diagnostic> problems = new ArrayList<>();
    ValidatedEnvironment environment =
        Workspace.environments(ROOT.resolve("runbooks").resolve("environments"), problems).get(env);
    assertEquals(List.of(), problems);
    JsonNode allow = environment.spec().source().tree().path("exec").path("allow");
    assertTrue(allow.size() > 0, env + " has an allowlist");
    for (JsonNode prefix : allow) {
      String program = prefix.path(0).asText();
      if (List.of("psql", "mysql", "mariadb").contains(program)) {
        assertEquals(2, prefix.size(), env + ": " + prefix);
        assertEquals("--version", prefix.path(1).asText(), env + ": " + prefix);
      }
    }
    assertTrue(
        ExecAllowlist.of(environment.spec().source().tree())
            .refusal(
                List.of(
                    "psql",
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                    "-c",
                    "TRUNCATE \"Account\""),
                env)
            .isPresent());
  }

  @Test
  void thePrismaRevertParamTakesOneGuardedMigrationStatementOnly() {
    List<String> problems =
        compile(
                "prisma-migration-repair.yaml",
                "stage",
                Map.of(
                    "database",
                    "platform",
                    "project",
                    "apps/platform",
                    "ticket",
                    "OPS-7",
                    "revert",
                    "TRUNCATE \"Account\""))
            .diagnostics()
            .stream()
            .map(Diagnostic::format)
            .toList();
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("-p revert: "), problems.toString());
  }
}
