package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.ActivityStep;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exec allowlist at compile time: what a plan may ask a worker to run. */
class ExecRulesTest {
  private static final String WITH_ALLOWLIST =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: stage }
      provider: local
      taskQueue: runbook-stage
      databases:
        platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: stage/platform }
      exec:
        allow:
          - [npx, prisma, migrate, deploy]
          - [npx, prisma, migrate, resolve]
          - [psql, --version]
      """;

  private static final String WITHOUT_ALLOWLIST =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: stage }
      provider: local
      taskQueue: runbook-stage
      databases:
        platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: stage/platform }
      """;

  private static List<String> compile(
      String environment, String command, Map<String, String> params) {
    String runbook =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: tool, version: 1 }
        params:
          migration: { type: string, default: "20261201_add_index" }
          tool: { type: string, default: prisma }
        environments: [stage]
        steps:
          - id: find
            uses: sql.query
            with: { database: platform, query: "SELECT name FROM migrations WHERE id = 1" }
          - id: run
            uses: exec
            with:
              command: %s
        """
            .formatted(command);
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(runbook),
            Map.of("stage", Fixtures.environment("stage", environment)),
            "stage",
            params);
    return result.diagnostics().stream().map(Diagnostic::format).toList();
  }

  @Test
  void anAllowedPrefixWithMoreArgumentsCompiles() {
    assertEquals(
        List.of(),
        compile(
            WITH_ALLOWLIST,
            "[npx, prisma, migrate, resolve, --rolled-back, \"${{ steps.find.outputs.rows }}\"]",
            Map.of()));
  }

  @Test
  void anExecStepIsNotRetriedUnlessTheRunbookSaysSo() {
    String runbook =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: tool, version: 1 }
        environments: [stage]
        steps:
          - id: once
            uses: exec
            with: { command: [psql, --version] }
          - id: twice
            uses: exec
            retry: { maxAttempts: 2 }
            with: { command: [psql, --version] }
        """;
    var plan =
        PlanCompiler.compile(
                Fixtures.runbook(runbook),
                Map.of("stage", Fixtures.environment("stage", WITH_ALLOWLIST)),
                "stage",
                Map.of())
            .plan()
            .orElseThrow();
    var steps = plan.stages().get(0).steps();

    assertEquals(1, ((ActivityStep) steps.get(0)).retry().maxAttempts());
    assertEquals(2, ((ActivityStep) steps.get(1)).retry().maxAttempts());
  }

  @Test
  void aCommandOffTheAllowlistIsRefusedListingWhatIsAllowed() {
    assertEquals(
        List.of(
            "runbook.yaml:15:16: semantic: $.steps[1].with.command: [npx, prisma, db, push] is not"
                + " on the exec allowlist of stage (allowed: [npx, prisma, migrate, deploy], [npx,"
                + " prisma, migrate, resolve], [psql, --version])"),
        compile(WITH_ALLOWLIST, "[npx, prisma, db, push]", Map.of()));
  }

  @Test
  void aParamIsResolvedBeforeTheCheckSoItCannotSmuggleACommandIn() {
    List<String> problems =
        compile(
            WITH_ALLOWLIST,
            "[npx, \"${{ params.tool }}\", migrate, deploy]",
            Map.of("tool", "rimraf"));

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).contains("[npx, rimraf, migrate, deploy] is not on the exec allowlist"));
  }

  @Test
  void aStepOutputInsideTheAllowedPrefixCannotBeCheckedAndIsRefused() {
    List<String> problems =
        compile(
            WITH_ALLOWLIST, "[npx, prisma, migrate, \"${{ steps.find.outputs.rows }}\"]", Map.of());

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("is not on the exec allowlist of stage"), problems.get(0));
  }

  @Test
  void anEnvironmentWithoutAnAllowlistRunsNoCommand() {
    assertEquals(
        List.of(
            "runbook.yaml:15:16: semantic: $.steps[1].with.command: exec is not allowed in"
                + " environment stage (its file has no exec.allow)"),
        compile(WITHOUT_ALLOWLIST, "[psql, --version]", Map.of()));
  }
}
