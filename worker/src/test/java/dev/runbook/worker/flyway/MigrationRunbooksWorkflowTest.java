package dev.runbook.worker.flyway;

import static dev.runbook.worker.flyway.FlywayServers.assertNoSecret;
import static dev.runbook.worker.flyway.FlywayServers.count;
import static dev.runbook.worker.flyway.FlywayServers.db;
import static dev.runbook.worker.flyway.FlywayServers.hasColumn;
import static dev.runbook.worker.flyway.FlywayServers.migration;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.LogNotifyActivities;
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The catalog's {@code schema-migration} and {@code migration-repair} runbooks, as shipped, run by
 * the interpreter (time-skipping test server) with the real Flyway and SQL steps on MariaDB, where
 * a failed migration leaves partial DDL for the repair runbook; a launcher who may not approve and
 * a second person who does. {@code aws.rds.snapshot} is {@link SnapshotStub}: the local provider
 * copies PostgreSQL databases only. Both runbooks on {@code local} (embedded PostgreSQL, the local
 * provider) are in LocalRehearsalTest.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MigrationRunbooksWorkflowTest {
  private TestWorkflowEnvironment env;
  private final SnapshotStub snapshots = new SnapshotStub();
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private JdbcSqlActivities sql;

  @BeforeEach
  void start() {
    FlywayServers.start();
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    sql = new JdbcSqlActivities(FlywayServers.targets(), SqlSettings.defaults());
    env.newWorker("runbook-local")
        .registerActivitiesImplementations(
            FlywayServers.activities(), sql, snapshots, new LogNotifyActivities(notes::add));
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
    sql.close();
  }

  private static Path repository() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("runbooks").resolve("migrations"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no runbooks/migrations above the working directory");
    return dir;
  }

  /** Copies the catalog's sample migrations of {@code database} into the migrations root. */
  private static void sampleMigrations(String database) throws IOException {
    Path from = repository().resolve("runbooks/migrations").resolve(database);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        migration(database, file.getFileName().toString(), Files.readString(file));
      }
    }
  }

  private static Plan plan(String file, Map<String, String> params) throws IOException {
    String text = Files.readString(repository().resolve("runbooks").resolve(file));
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(text), Map.of("local", FlywayServers.environment()), "local", params);
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(String id, Plan plan) {
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-7"));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
  }

  private static GateView awaitGate(RunbookWorkflow wf, String gate) throws InterruptedException {
    for (int i = 0; i < 3000; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail("run ended as " + view.status() + ": " + view.failure());
      }
      Thread.sleep(20);
    }
    return fail("gate " + gate + " did not open");
  }

  /** The launcher is refused at the gate; {@code approver} opens it. */
  private static RunView approveAndFinish(
      RunbookWorkflow wf, String gate, Plan plan, String approver) throws Exception {
    Exception refused =
        assertThrows(
            Exception.class,
            () ->
                wf.decide(new ApprovalDecision(gate, "carol", Decision.APPROVE, "", plan.hash())));
    assertTrue(
        String.valueOf(causes(refused)).contains("carol launched this run and cannot approve it"),
        String.valueOf(causes(refused)));
    wf.decide(new ApprovalDecision(gate, approver, Decision.APPROVE, "checked", plan.hash()));
    return WorkflowStub.fromTyped(wf).getResult(120, TimeUnit.SECONDS, RunView.class);
  }

  private static String causes(Throwable e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      out.append(t.getMessage()).append(" | ");
    }
    return out.toString();
  }

  private static String summary(RunView run, String step) {
    return run.steps().stream()
        .filter(s -> s.stepId().equals(step))
        .map(StepRecord::summary)
        .findFirst()
        .orElseGet(() -> fail("no step " + step + " in " + run.steps()));
  }

  private void assertHistoryClean(String id) {
    assertNoSecret(env.getWorkflowClient().fetchHistory(id).toString(), "the workflow history");
  }

  @Test
  void aMigrationFailingOnMariadbLeavesPartialDdlThatTheRepairRunbookRevertsRepairsAndReapplies()
      throws Exception {
    sampleMigrations("invoicing");
    migration(
        "invoicing",
        "V3__add_invoices_paid_at.sql",
        "ALTER TABLE invoices ADD COLUMN paid_at timestamp NULL;\n"
            + "CREATE INDEX invoices_paid_at_idx ON invoices (paid_on);\n");
    Plan migrate =
        plan("schema-migration.yaml", Map.of("database", "invoicing", "ticket", "OPS-7"));
    RunbookWorkflow first = launch("schema-migration-invoicing", migrate);
    awaitGate(first, "local/review");
    RunView failed = approveAndFinish(first, "local/review", migrate, "alice");

    assertEquals(RunStatus.FAILED, failed.status());
    assertTrue(
        failed
            .failure()
            .contains(
                "migration 3 (V3__add_invoices_paid_at.sql, line 2) failed on"
                    + " invoicing (local)"),
        failed.failure());
    assertTrue(failed.failure().contains("may have left partial changes"), failed.failure());
    assertTrue(failed.failure().contains("runbooks/migration-repair.yaml"), failed.failure());
    assertTrue(hasColumn(db("invoicing"), "invoices", "paid_at"), "MariaDB kept the ADD COLUMN");

    // the engineer corrects the script and deploys it, then runs the repair runbook
    migration(
        "invoicing",
        "V3__add_invoices_paid_at.sql",
        "ALTER TABLE invoices ADD COLUMN paid_at timestamp NULL;\n"
            + "CREATE INDEX invoices_paid_at_idx ON invoices (paid_at);\n");
    Plan repair =
        plan(
            "migration-repair.yaml",
            Map.of(
                "database",
                "invoicing",
                "ticket",
                "OPS-7",
                "revert",
                "ALTER TABLE invoices DROP COLUMN paid_at"));
    RunbookWorkflow second = launch("migration-repair-invoicing", repair);

    GateView gate = awaitGate(second, "local/review");
    assertEquals(
        "3", gate.shows().findValue("failed").path("version").asText(), gate.shows().toString());
    assertTrue(gate.message().contains("ALTER TABLE invoices DROP COLUMN paid_at"), gate.message());
    assertTrue(
        summary(second.view(), "detect").contains("FAILED: 3 (V3__add_invoices_paid_at.sql)"));

    RunView run = approveAndFinish(second, "local/review", repair, "bob");

    assertEquals(RunStatus.COMPLETED, run.status(), run.failure());
    assertEquals(
        "1 revert statement(s) ran, schema history of invoicing repaired: failed 3 removed",
        summary(run, "repair"));
    assertEquals("1 migration applied to invoicing: 2 -> 3", summary(run, "migrate"));
    assertEquals("invoicing at version 3, 3 applied, 0 pending", summary(run, "verify"));
    assertTrue(hasColumn(db("invoicing"), "invoices", "paid_at"));
    assertEquals(
        1,
        count(
            db("invoicing"),
            "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()"
                + " AND index_name = 'invoices_paid_at_idx'"));
    assertEquals(
        0, count(db("invoicing"), "SELECT count(*) FROM flyway_schema_history WHERE NOT success"));
    assertEquals(List.of("local/invoicing", "local/invoicing"), snapshots.snapshots);
    assertHistoryClean("schema-migration-invoicing");
    assertHistoryClean("migration-repair-invoicing");
  }
}
