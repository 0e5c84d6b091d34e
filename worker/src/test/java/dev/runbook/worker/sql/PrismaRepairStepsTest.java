package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import dev.runbook.worker.exec.ExecPolicy;
import dev.runbook.worker.exec.ProcessExecActivities;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL and psql steps of {@code runbooks/prisma-migration-repair.yaml}, as its plan for {@code
 * local} resolves them, on the real PostgreSQL: {@code detect} on a {@code _prisma_migrations}
 * table with Prisma's columns and a failed migration, and {@code revert} through psql under the
 * exec allowlist of the shipped {@code local.yaml}. The {@code npx prisma} steps are rehearsed
 * through the interpreter only (see the runbook's header for why).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrismaRepairStepsTest {
  private static final Path RUNBOOKS = Path.of("..", "runbooks");
  private static final String FAILED = "20261201000000_add_status";
  private static final String ERROR = "column \"statuz\" does not exist";

  @TempDir Path root;

  private static Map<String, JsonNode> plannedInputs() {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(RUNBOOKS.resolve("environments"), problems);
    assertEquals(List.of(), problems);
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Workspace.runbook(RUNBOOKS.resolve("prisma-migration-repair.yaml"))
                .value()
                .orElseThrow(),
            envs,
            "local",
            Map.of(
                "database", "platform",
                "project", "apps/platform",
                "ticket", "OPS-7",
                "revert", "ALTER TABLE prisma_account DROP COLUMN status"));
    assertEquals(List.of(), result.diagnostics());
    Plan plan = result.plan().orElseThrow();
    Map<String, JsonNode> inputs = new java.util.HashMap<>();
    for (Step step : plan.stages().get(0).steps()) {
      if (step instanceof ActivityStep a) {
        inputs.put(a.id(), a.with());
      }
    }
    return inputs;
  }

  /** The exec allowlist of the shipped local environment file, as the worker reads it. */
  private ProcessExecActivities exec() throws Exception {
    Path file = RUNBOOKS.resolve("environments").resolve("local.yaml");
    YamlLoader.Result loaded = new YamlLoader().load(file.toString(), Files.readString(file));
    JsonNode tree = loaded.document().map(LoadedDocument::tree).orElse(null);
    assertNotNull(tree, file + " did not load");
    return new ProcessExecActivities(
        Map.of(SqlServers.ENV, new ExecPolicy(ExecAllowlist.of(tree), root)),
        SqlServers.targets(),
        () -> Map.of("PATH", System.getenv("PATH")));
  }

  /** The state Prisma leaves after a failed deploy: its table, one failed row, a partial column. */
  private static void failedDeploy() {
    SqlServers.exec(
        SqlServers.postgres(),
        "DROP TABLE IF EXISTS _prisma_migrations",
        "DROP TABLE IF EXISTS prisma_account",
        "CREATE TABLE prisma_account (id integer PRIMARY KEY, name text NOT NULL, status text)",
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT"
            + " NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text,"
            + " rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),"
            + " applied_steps_count integer NOT NULL DEFAULT 0)",
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name,"
            + " applied_steps_count) VALUES ('a', 'c1', now(), '20261101000000_init', 1)",
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('b', 'c2', '"
            + FAILED
            + "', 'Database error: "
            + ERROR.replace("'", "''")
            + "')",
        // an older failure already marked rolled back is not the one to repair
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, rolled_back_at)"
            + " VALUES ('c', 'c3', '20261115000000_old', 'old error', now())");
  }

  private static boolean hasStatusColumn() throws Exception {
    try (Connection c = SqlServers.postgres().connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.columns WHERE table_name ="
                    + " 'prisma_account' AND column_name = 'status'")) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  private static StepRequest request(String step, String uses, JsonNode with) {
    return SqlServers.request(SqlServers.newRun(), step, uses, with, StepRequest.RUN, null);
  }

  @Test
  void detectFindsTheFailedMigrationWithItsErrorAndNotOneAlreadyRolledBack() {
    failedDeploy();

    StepResult found =
        SqlServers.clean(
            SqlServers.activities()
                .query(request("detect", "sql.query", plannedInputs().get("detect"))));

    JsonNode outputs = found.outputs();
    assertEquals(1, outputs.path("rowCount").asInt(), outputs.toString());
    assertEquals(FAILED, outputs.path("rows").path(0).path(0).asText());
    assertTrue(outputs.path("rows").path(0).path(3).asText().contains(ERROR), outputs.toString());
  }

  @Test
  void theRevertRunsThroughPsqlOnTheLocalAllowlistAndAFailingOneFailsTheStep() throws Exception {
    failedDeploy();
    JsonNode revert = plannedInputs().get("revert");
    assertTrue(hasStatusColumn());

    StepResult done = SqlServers.clean(exec().exec(request("revert", "exec", revert)));

    assertEquals(0, done.outputs().path("exitCode").asInt(), done.toString());
    assertTrue(!hasStatusColumn(), "the revert dropped the partial column");
    // run again, the column is gone: ON_ERROR_STOP makes psql exit non-zero, the step fails
    ApplicationFailure failed =
        SqlServers.failure("STEP_FAILED", () -> exec().exec(request("revert", "exec", revert)));
    assertTrue(
        failed.getOriginalMessage().contains("column \"status\" of relation \"prisma_account\""),
        failed.getOriginalMessage());
  }
}
