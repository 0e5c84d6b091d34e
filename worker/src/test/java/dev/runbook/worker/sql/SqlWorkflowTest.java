package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The interpreter with the real SQL steps on the embedded PostgreSQL: preview, the gate showing the
 * preview, apply, verify; and a rejected gate applying nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SqlWorkflowTest {
  private TestWorkflowEnvironment env;
  private final Db db = SqlServers.postgres();

  @BeforeEach
  void start() {
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-local").registerActivitiesImplementations(SqlServers.activities());
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private static String runbook(String table) {
    return """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: close-open, version: 1 }
        environments: [local]
        steps:
          - id: fix
            uses: sql.change
            with:
              database: platform
              statements: ["UPDATE %1$s SET status = 'closed' WHERE status = :s"]
              bind: { s: open }
              expectRows: 3
              verify: { query: "SELECT id FROM %1$s WHERE status = :s", bind: { s: open } }
              backup: true
            approval: { approvers: { group: db-leads }, message: "close the open rows" }
        """
        .formatted(table);
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
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-1"));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
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

  @Test
  void theGateShowsThePreviewAndTheApprovedApplyChangesAndVerifiesExactlyThoseRows()
      throws Exception {
    String t = SqlServers.table(db);
    Plan plan = Fixtures.plan(runbook(t), "local", Map.of());
    RunbookWorkflow wf = launch("close-open-1", plan);

    GateView gate = awaitGate(wf, "local/fix");
    JsonNode preview = gate.shows().path("fix").path("preview");
    assertEquals(3, preview.path("previewRows").asInt());
    assertEquals(3, preview.path("diff").size());
    assertEquals("open", preview.path("diff").path(0).path("before").path("status").asText());
    assertEquals("closed", preview.path("diff").path(0).path("after").path("status").asText());
    assertEquals(0, count(db, "SELECT count(*) FROM " + t + " WHERE status = 'closed'"));

    wf.decide(new ApprovalDecision("local/fix", "alice", Decision.APPROVE, "ok", plan.hash()));
    RunView result = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunView.class);

    assertEquals(RunStatus.COMPLETED, result.status(), result.failure());
    StepRecord fix = result.steps().get(0);
    assertTrue(
        fix.summary()
            .startsWith("3 rows changed in " + t + ", verified, backup rb_bk_close_open_1_fix_"),
        fix.summary());
    assertEquals(3, count(db, "SELECT count(*) FROM " + t + " WHERE status = 'closed'"));
    assertEquals(
        1,
        count(
            db,
            "SELECT count(*) FROM runbook_change_ledger WHERE run_id = 'close-open-1'"
                + " AND rows_affected = 3"));
    String history = env.getWorkflowClient().fetchHistory("close-open-1").toString();
    assertFalse(history.contains(db.password()), "the password is in the workflow history");
  }

  @Test
  void aRejectedGateAppliesNothing() throws Exception {
    String t = SqlServers.table(db);
    String before = content(db, t);
    Plan plan = Fixtures.plan(runbook(t), "local", Map.of());
    RunbookWorkflow wf = launch("close-open-2", plan);
    awaitGate(wf, "local/fix");

    wf.decide(
        new ApprovalDecision("local/fix", "alice", Decision.REJECT, "wrong rows", plan.hash()));
    RunView result = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunView.class);

    assertEquals(RunStatus.REJECTED, result.status());
    assertEquals(before, content(db, t));
    if (count(db, "SELECT count(*) FROM pg_class WHERE relname = 'runbook_change_ledger'") > 0) {
      assertEquals(
          0, count(db, "SELECT count(*) FROM runbook_change_ledger WHERE run_id = 'close-open-2'"));
    }
    assertEquals(
        0,
        count(db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'rb\\_bk\\_close\\_open\\_2%'"),
        "no backup table was made");
  }
}
