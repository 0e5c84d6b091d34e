package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.activities.PrismaActivities;
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
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.exec.ExecPolicy;
import dev.runbook.worker.exec.ProcessExecActivities;
import dev.runbook.worker.prisma.PrismaReverts;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL steps of {@code runbooks/prisma-migration-repair.yaml}, as its plan for {@code local}
 * resolves them, on the real PostgreSQL (and {@code prisma.revert} on the real MariaDB): {@code
 * detect} on a {@code _prisma_migrations} table with Prisma's columns and a failed migration, and
 * {@code revert} through {@code prisma.revert}, which runs only while that migration is failed. The
 * old way (SQL text through {@code psql -c} by {@code exec}) is refused by the shipped {@code
 * local.yaml}. The {@code npx prisma} steps are rehearsed through the interpreter only (see the
 * runbook's header for why).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrismaRepairStepsTest {
  private static final Path RUNBOOKS = Path.of("..", "runbooks");
  private static final String FAILED = "20261201000000_add_status";
  private static final String FINISHED = "20261101000000_init";
  private static final String ROLLED_BACK = "20261115000000_old";
  private static final String ERROR = "column \"statuz\" does not exist";
  private static final String REVERT = "ALTER TABLE prisma_account DROP COLUMN status";

  @TempDir Path root;

  private final PrismaReverts prisma =
      new PrismaReverts(SqlServers.targets(), Duration.ofSeconds(10));

  @AfterEach
  void close() {
    prisma.close();
  }

  private static PlanCompiler.Result compile(String revert) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(RUNBOOKS.resolve("environments"), problems);
    assertEquals(List.of(), problems);
    return PlanCompiler.compile(
        Workspace.runbook(RUNBOOKS.resolve("prisma-migration-repair.yaml")).value().orElseThrow(),
        envs,
        "local",
        Map.of(
            "database", "platform",
            "project", "apps/platform",
            "ticket", "OPS-7",
            "revert", revert));
  }

  private static Map<String, JsonNode> plannedInputs() {
    PlanCompiler.Result result = compile(REVERT);
    assertEquals(List.of(), result.diagnostics());
    Plan plan = result.plan().orElseThrow();
    Map<String, JsonNode> inputs = new HashMap<>();
    for (Step step : plan.stages().get(0).steps()) {
      if (step instanceof ActivityStep a) {
        inputs.put(a.id(), a.with());
      }
    }
    return inputs;
  }

  /**
   * The planned inputs of {@code revert} with {@code migration} resolved as the interpreter does:
   * the first row of {@code detect}'s outputs.
   */
  private static ObjectNode plannedRevert(JsonNode detected) {
    ObjectNode with = plannedInputs().get("revert").deepCopy();
    assertEquals("${{ steps.detect.outputs.rows[0][0] }}", with.path("migration").asText());
    with.put("migration", detected.path("rows").path(0).path(0).asText());
    return with;
  }

  private static JsonNode detect() {
    return SqlServers.clean(
            SqlServers.activities()
                .query(request("detect", "sql.query", plannedInputs().get("detect"))))
        .outputs();
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
  private static void failedDeploy(SqlServers.Db db) {
    String timestamp = db.postgres() ? "timestamptz" : "datetime(3)";
    String now = db.postgres() ? "now()" : "now(3)";
    String text = db.postgres() ? "text" : "varchar(200)";
    SqlServers.exec(
        db,
        "DROP TABLE IF EXISTS _prisma_migrations",
        "DROP TABLE IF EXISTS prisma_account",
        "CREATE TABLE prisma_account (id integer PRIMARY KEY, name "
            + text
            + " NOT NULL, status "
            + text
            + ", note "
            + text
            + ")",
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT"
            + " NULL, finished_at "
            + timestamp
            + ", migration_name varchar(255) NOT NULL, logs text, rolled_back_at "
            + timestamp
            + ", started_at "
            + timestamp
            + " NOT NULL DEFAULT "
            + now
            + ", applied_steps_count integer NOT NULL DEFAULT 0)",
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name,"
            + " applied_steps_count) VALUES ('a', 'c1', "
            + now
            + ", '"
            + FINISHED
            + "', 1)",
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('b', 'c2', '"
            + FAILED
            + "', 'Database error: "
            + ERROR.replace("'", "''")
            + "')",
        // an older failure already marked rolled back is not the one to repair
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, rolled_back_at)"
            + " VALUES ('c', 'c3', '"
            + ROLLED_BACK
            + "', 'old error', "
            + now
            + ")");
  }

  private static boolean hasColumn(SqlServers.Db db, String column) throws Exception {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.columns WHERE table_name ="
                    + " 'prisma_account' AND column_name = '"
                    + column
                    + "'"
                    + (db.postgres() ? "" : " AND table_schema = database()"))) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  /** How many rows of {@code _prisma_migrations} are still failed (neither finished nor undone). */
  private static long stillFailed(SqlServers.Db db) {
    return SqlServers.count(
        db,
        "SELECT count(*) FROM _prisma_migrations WHERE migration_name = '"
            + FAILED
            + "' AND finished_at IS NULL AND rolled_back_at IS NULL");
  }

  private static StepRequest request(String step, String uses, JsonNode with) {
    return SqlServers.request(SqlServers.newRun(), step, uses, with, StepRequest.RUN, null);
  }

  private static ObjectNode revert(String database, String migration, String... statements) {
    ObjectNode with = SqlServers.json("{}").deepCopy();
    with.put("database", database).put("migration", migration);
    for (String statement : statements) {
      with.withArray("revert").add(statement);
    }
    return with;
  }

  @Test
  void detectFindsTheFailedMigrationWithItsErrorAndNotOneAlreadyRolledBack() {
    failedDeploy(SqlServers.postgres());

    JsonNode outputs = detect();

    assertEquals(1, outputs.path("rowCount").asInt(), outputs.toString());
    assertEquals(FAILED, outputs.path("rows").path(0).path(0).asText());
    assertTrue(outputs.path("rows").path(0).path(3).asText().contains(ERROR), outputs.toString());
  }

  @Test
  void thePlannedRevertRunsOnTheFailedMigrationInOneTransactionAndLeavesItFailed()
      throws Exception {
    SqlServers.Db pg = SqlServers.postgres();
    failedDeploy(pg);
    ObjectNode with = plannedRevert(detect());
    assertTrue(hasColumn(pg, "status"));

    StepResult done = SqlServers.clean(prisma.revert(request("revert", "prisma.revert", with)));

    assertFalse(hasColumn(pg, "status"), "the revert dropped the partial column");
    JsonNode outputs = done.outputs();
    assertEquals(FAILED, outputs.path("migration").asText());
    assertEquals(1, outputs.path("reverted").asInt());
    assertEquals(REVERT, outputs.path("statements").path(0).asText());
    assertTrue(outputs.path("transactional").asBoolean());
    assertTrue(done.summary().contains("in one transaction"), done.summary());
    // marking it rolled back is prisma migrate resolve's job, not this step's
    assertEquals(1, stillFailed(pg));
  }

  @Test
  void nothingRunsUnlessTheMigrationIsFailed() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();
    failedDeploy(pg);
    Map<String, String> refusals =
        Map.of(
            ROLLED_BACK,
            "marks " + ROLLED_BACK + " rolled back already",
            FINISHED,
            "marks " + FINISHED + " finished (it did not fail)",
            "20261231000000_never",
            "has no migration 20261231000000_never");
    for (var refusal : refusals.entrySet()) {
      ApplicationFailure failure =
          SqlServers.failure(
              "MIGRATION_FAILED",
              () ->
                  prisma.revert(
                      request(
                          "revert",
                          "prisma.revert",
                          revert("platform", refusal.getKey(), REVERT))));
      assertEquals(
          "_prisma_migrations of platform (local) "
              + refusal.getValue()
              + ": nothing to revert; the revert was not run",
          failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable(), "not retried: " + failure);
    }
    // a name is a Prisma folder name, and bound in the check query: SQL in it is refused first
    ApplicationFailure odd =
        SqlServers.failure(
            "INVALID_PLAN",
            () ->
                prisma.revert(
                    request(
                        "revert", "prisma.revert", revert("platform", "x' OR '1'='1", REVERT))));
    assertTrue(odd.getOriginalMessage().startsWith("migration: "), odd.getOriginalMessage());
    assertTrue(hasColumn(pg, "status"), "no revert ran");
  }

  /** Calls {@code prisma.revert} with two attempts, as a step with {@code retry: 2} would. */
  @WorkflowInterface
  public interface RevertWithRetry {
    @WorkflowMethod
    StepResult run(StepRequest request);
  }

  public static class RevertWithRetryImpl implements RevertWithRetry {
    @Override
    public StepResult run(StepRequest request) {
      PrismaActivities steps =
          Workflow.newActivityStub(
              PrismaActivities.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMinutes(1))
                  .setRetryOptions(
                      RetryOptions.newBuilder()
                          .setMaximumAttempts(2)
                          .setInitialInterval(Duration.ofSeconds(1))
                          .build())
                  .build());
      return steps.revert(request);
    }
  }

  /** The real step, whose first answer is lost after it ran (as when the worker dies then). */
  static final class AnswerLostOnce implements PrismaActivities {
    private final PrismaReverts real;
    final AtomicInteger calls = new AtomicInteger();

    AnswerLostOnce(PrismaReverts real) {
      this.real = real;
    }

    @Override
    public StepResult revert(StepRequest request) {
      calls.incrementAndGet();
      StepResult result = real.revert(request);
      if (Activity.getExecutionContext().getInfo().getAttempt() == 1) {
        throw ApplicationFailure.newFailure("the answer was lost", "TRANSIENT");
      }
      return result;
    }
  }

  @Test
  void aRetriedAttemptNeverRunsTheRevertAgain() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();
    failedDeploy(pg);
    AnswerLostOnce steps = new AnswerLostOnce(prisma);
    try (TestWorkflowEnvironment env = StepTestEnvironment.start()) {
      Worker worker = env.newWorker("prisma-revert-test");
      worker.registerWorkflowImplementationTypes(RevertWithRetryImpl.class);
      worker.registerActivitiesImplementations(steps);
      env.start();
      RevertWithRetry wf =
          env.getWorkflowClient()
              .newWorkflowStub(
                  RevertWithRetry.class,
                  WorkflowOptions.newBuilder().setTaskQueue("prisma-revert-test").build());

      WorkflowFailedException failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              WorkflowFailedException.class,
              () -> wf.run(request("revert", "prisma.revert", revert("platform", FAILED, REVERT))));

      ApplicationFailure cause = (ApplicationFailure) failed.getCause().getCause();
      assertEquals("MIGRATION_FAILED", cause.getType(), cause.getOriginalMessage());
      assertTrue(
          cause
              .getOriginalMessage()
              .startsWith(
                  "attempt 2 of the revert of "
                      + FAILED
                      + " on platform (local): an earlier attempt may have run"),
          cause.getOriginalMessage());
    }
    assertEquals(2, steps.calls.get());
    assertFalse(hasColumn(pg, "status"), "the first attempt ran the revert");
    assertEquals(1, stillFailed(pg));
  }

  @Test
  void aFailingStatementRollsTheWholeRevertBackOnPostgres() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();
    failedDeploy(pg);

    ApplicationFailure failure =
        SqlServers.failure(
            "MIGRATION_FAILED",
            () ->
                prisma.revert(
                    request(
                        "revert",
                        "prisma.revert",
                        revert(
                            "platform",
                            FAILED,
                            "ALTER TABLE prisma_account DROP COLUMN note",
                            "ALTER TABLE prisma_account DROP COLUMN nosuch"))));

    assertTrue(
        failure.getOriginalMessage().startsWith("revert statement 2 of 2 for failed migration "),
        failure.getOriginalMessage());
    assertTrue(
        failure.getOriginalMessage().contains("rolled back: nothing changed"),
        failure.getOriginalMessage());
    assertTrue(hasColumn(pg, "note"), "statement 1 was rolled back with the transaction");
  }

  @Test
  void onMariaDbEachStatementCommitsOnItsOwnAndTheOutputSaysSo() throws Exception {
    SqlServers.Db maria = SqlServers.mariadb();
    failedDeploy(maria);

    StepResult done =
        SqlServers.clean(
            prisma.revert(
                request(
                    "revert",
                    "prisma.revert",
                    revert("invoicing", FAILED, "ALTER TABLE prisma_account DROP COLUMN note"))));
    assertFalse(done.outputs().path("transactional").asBoolean());
    assertTrue(done.summary().contains("each committed on its own"), done.summary());
    assertFalse(hasColumn(maria, "note"));

    ApplicationFailure failure =
        SqlServers.failure(
            "MIGRATION_FAILED",
            () ->
                prisma.revert(
                    request(
                        "revert",
                        "prisma.revert",
                        revert(
                            "invoicing",
                            FAILED,
                            "ALTER TABLE prisma_account DROP COLUMN status",
                            "ALTER TABLE prisma_account DROP COLUMN nosuch"))));
    assertTrue(
        failure.getOriginalMessage().contains("statements 1 to 1 ran and committed"),
        failure.getOriginalMessage());
    assertFalse(hasColumn(maria, "status"), "statement 1 stayed: MariaDB DDL commits");
  }

  @Test
  void aDatabaseWithoutPrismaMigrationsIsRefusedByName() {
    SqlServers.Db maria = SqlServers.mariadb();
    SqlServers.exec(maria, "DROP TABLE IF EXISTS _prisma_migrations");

    ApplicationFailure failure =
        SqlServers.failure(
            "MIGRATION_FAILED",
            () ->
                prisma.revert(
                    request("revert", "prisma.revert", revert("invoicing", FAILED, REVERT))));
    assertEquals(
        "no _prisma_migrations table on invoicing (local) (not migrated by Prisma?); the revert"
            + " was not run",
        failure.getOriginalMessage());
  }

  @Test
  void statementsTheGuardsRefuseNeverRunAndAreRefusedAtCompileTimeToo() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();
    failedDeploy(pg);
    for (String refused :
        List.of(
            "TRUNCATE prisma_account",
            "DELETE FROM prisma_account",
            "ALTER TABLE prisma_account DROP COLUMN status; DROP TABLE prisma_account")) {
      ApplicationFailure failure =
          SqlServers.failure(
              "GUARD_VIOLATION",
              () ->
                  prisma.revert(
                      request("revert", "prisma.revert", revert("platform", FAILED, refused))));
      assertTrue(
          failure.getOriginalMessage().startsWith("revert statement 1 refused by the guards"),
          failure.getOriginalMessage());

      List<Diagnostic> problems = compile(refused).diagnostics();
      assertEquals(1, problems.size(), problems.toString());
      assertTrue(problems.get(0).format().contains("-p revert: "), problems.toString());
    }
    assertTrue(hasColumn(pg, "status"), "no revert ran");
  }

  @Test
  void theShippedLocalAllowlistNoLongerRunsSqlTextThroughPsql() throws Exception {
    failedDeploy(SqlServers.postgres());
    SqlServers.exec(SqlServers.postgres(), "INSERT INTO prisma_account VALUES (1, 'a', 'x', 'y')");
    ObjectNode with = SqlServers.json("{}").deepCopy();
    with.put("database", "platform");
    for (String arg :
        List.of("psql", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c")) {
      with.withArray("command").add(arg);
    }
    with.withArray("command").add("TRUNCATE prisma_account");

    ApplicationFailure failure =
        SqlServers.failure("GUARD_VIOLATION", () -> exec().exec(request("revert", "exec", with)));
    assertTrue(
        failure.getOriginalMessage().contains("is not on the exec allowlist of local"),
        failure.getOriginalMessage());
    assertEquals(1, SqlServers.count(SqlServers.postgres(), "SELECT count(*) FROM prisma_account"));
  }
}
