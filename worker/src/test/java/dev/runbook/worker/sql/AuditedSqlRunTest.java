package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.audit.StepEffects;
import dev.runbook.engine.compile.Fixtures;
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
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.audit.AuditDatabases;
import dev.runbook.worker.audit.AuditReader;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.audit.RunAudit;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real run (the interpreter on Temporal's test server, the real SQL steps on the embedded
 * PostgreSQL) writing to a real audit store: what the store holds matches what the run did, and
 * neither the bound canary value nor the database password is in it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuditedSqlRunTest {
  private static final String CANARY = "canary-4f1d9e@example.com";

  private TestWorkflowEnvironment env;
  private AuditStore store;
  private AuditStoreConfig config;
  private final Db db = SqlServers.postgres();

  @BeforeEach
  void start() {
    config = AuditDatabases.config("audit_sql_run");
    store = AuditStore.open(config);
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(
        env.newWorker(RunbookWorkflow.CONTROL_QUEUE), new JdbcAuditActivities(store));
    env.newWorker("runbook-local").registerActivitiesImplementations(SqlServers.activities());
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
    store.close();
  }

  private static String runbook(String table) {
    return """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: close-open, version: 1 }
        params:
          ticket: { type: string }
          bind: { type: map }
        environments: [local]
        steps:
          - id: count
            uses: sql.query
            with:
              database: platform
              query: "SELECT id, email FROM %1$s WHERE status = 'open'"
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["UPDATE %1$s SET status = 'closed' WHERE status = :s OR email = :who"]
              bind: "${{ params.bind }}"
              expectRows: 3
              backup: true
            approval: { approvers: { group: db-leads }, message: "close the open rows" }
        """
        .formatted(table);
  }

  @Test
  void theStoreHoldsWhatTheRunDidAndNoBoundValueNorPassword() throws Exception {
    String t = SqlServers.table(db);
    Plan plan =
        Fixtures.plan(
            runbook(t),
            "local",
            Map.of("ticket", "OPS-9", "bind", "{\"s\": \"open\", \"who\": \"" + CANARY + "\"}"));
    WorkflowClient client = env.getWorkflowClient();
    RunbookWorkflow wf =
        client.newWorkflowStub(
            RunbookWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("audited-sql-1")
                .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-9"));
    wf = client.newWorkflowStub(RunbookWorkflow.class, "audited-sql-1");
    awaitGate(wf, "local/fix");
    wf.decide(new ApprovalDecision("local/fix", "alice", Decision.APPROVE, "ok", plan.hash()));
    RunView view = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunView.class);
    assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
    assertEquals("", view.audit(), "every record is in the store");
    assertEquals(3, count(db, "SELECT count(*) FROM " + t + " WHERE status = 'closed'"));

    RunAudit stored = new AuditReader(store).read("audited-sql-1").orElseThrow();
    assertEquals(
        List.of("close-open", "local", "carol", "OPS-9", "COMPLETED", plan.hash()),
        List.of(
            stored.runbook(),
            stored.target(),
            stored.launcher(),
            stored.ticket(),
            stored.status(),
            stored.planHash()));
    assertEquals(plan.runbook().sha256(), stored.sha256());
    assertTrue(
        stored.endedAt().isAfter(stored.startedAt())
            || stored.endedAt().equals(stored.startedAt()));
    assertEquals("[redacted]", stored.params().path("bind").path("who").asText());
    assertEquals("OPS-9", stored.params().path("ticket").asText());

    assertEquals(view.steps().size(), stored.steps().size());
    for (int i = 0; i < view.steps().size(); i++) {
      StepRecord r = view.steps().get(i);
      RunAudit.Step s = stored.steps().get(i);
      assertEquals(
          List.of(r.environment(), r.stepId(), r.uses(), r.outcome().name(), r.summary()),
          List.of(s.environment(), s.stepId(), s.uses(), s.outcome(), s.summary()));
      assertEquals(Instant.ofEpochMilli(r.startedAt()), s.startedAt());
      assertEquals(Instant.ofEpochMilli(r.finishedAt()), s.finishedAt());
    }
    String update = "UPDATE " + t + " SET status = 'closed' WHERE status = :s OR email = :who";
    assertEquals(
        List.of(
            new StepEffects.Sql(
                "run", "platform", "SELECT id, email FROM " + t + " WHERE status = 'open'", 3)),
        stored.steps().get(0).sql());
    assertEquals(
        List.of(
            new StepEffects.Sql("preview", "platform", update, 3),
            new StepEffects.Sql("apply", "platform", update, 3)),
        stored.steps().get(1).sql());
    String backup = view.steps().get(1).summary().replaceAll(".*backup (rb_bk_[a-z0-9_]+).*", "$1");
    assertEquals(
        List.of(new StepEffects.Resource("backup-table", "platform." + backup, "created")),
        stored.steps().get(1).resources());
    assertEquals(1, stored.resourceFates().size());
    assertTrue(stored.resourceFates().get(0).cleanedUp(), "a backup is kept on purpose");

    assertEquals(1, stored.approvals().size());
    RunAudit.Approval a = stored.approvals().get(0);
    assertEquals(
        List.of("local/fix", "alice", "APPROVE", "ok", plan.hash()),
        List.of(a.gate(), a.approver(), a.decision(), a.comment(), a.planHash()));
    assertEquals(Instant.ofEpochMilli(view.approvals().get(0).at()), a.at());

    String everything = dump();
    assertFalse(everything.contains(CANARY), "the bound value is in the audit store");
    assertFalse(everything.contains(db.password()), "the database password is in the store");
    assertFalse(everything.contains("o@example.com"), "a query's result rows are in the store");
  }

  /** Every row of every audit table, as text. */
  private String dump() throws Exception {
    StringBuilder all = new StringBuilder();
    try (Connection c =
        DriverManager.getConnection(config.url(), config.user(), config.password())) {
      for (String table :
          List.of(
              "audit_run",
              "audit_step",
              "audit_sql",
              "audit_resource",
              "audit_approval",
              "audit_compensation",
              "audit_refusal")) {
        try (ResultSet rs =
            c.createStatement().executeQuery("SELECT row_to_json(x)::text FROM " + table + " x")) {
          while (rs.next()) {
            all.append(rs.getString(1)).append('\n');
          }
        }
      }
    }
    assertTrue(all.toString().contains("audited-sql-1"), "the dump is empty");
    return all.toString();
  }

  private static GateView awaitGate(RunbookWorkflow wf, String gate) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
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
}
