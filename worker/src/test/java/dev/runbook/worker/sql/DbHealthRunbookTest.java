package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
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
import dev.runbook.worker.LogNotifyActivities;
import dev.runbook.worker.StepTestEnvironment;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The db-health runbooks of the catalog on `local`, through the interpreter with the real SQL
 * steps, against real PostgreSQL and MariaDB holding deliberately stuck sessions: a long-running
 * query, a session idle in a transaction, one blocked by it. The report names them; after the gate
 * showing exactly those, the idle ones are ended and the blocked one goes on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DbHealthRunbookTest {
  private static final String LOCAL =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: local }
      provider: local
      rehearsal: true
      taskQueue: runbook-local
      databases:
        platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: local/platform }
        invoicing: { engine: mariadb, endpoint: 127.0.0.1, port: 3306, database: invoicing, secretId: local/invoicing }
      teams:
        db-leads: [alice]
        db-team: [alice, bob]
      """;

  private TestWorkflowEnvironment env;
  private final ExecutorService sessions = Executors.newCachedThreadPool();
  private final List<Connection> open = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-local")
        .registerActivitiesImplementations(
            SqlServers.activities(), new LogNotifyActivities(line -> {}));
    env.start();
  }

  @AfterEach
  void stop() {
    for (Connection c : open) {
      try {
        c.close();
      } catch (SQLException e) {
        // terminated by the run
      }
    }
    sessions.shutdownNow();
    env.close();
  }

  private static Path runbook(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path file = dir.resolve("runbooks").resolve(name);
      if (Files.isRegularFile(file)) {
        return file;
      }
    }
    throw new IllegalStateException("no runbooks/" + name);
  }

  private Plan plan(String file, String database) throws Exception {
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(Files.readString(runbook(file), StandardCharsets.UTF_8)),
            Map.of("local", Fixtures.environment("local", LOCAL)),
            "local",
            Map.of(
                "database",
                database,
                "ticket",
                "OPS-7",
                "longRunningSeconds",
                "1",
                "idleInTransactionSeconds",
                "2",
                "terminate",
                "true"));
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private Connection connect(SqlServers.Db db) throws SQLException {
    Connection c = db.connect();
    open.add(c);
    return c;
  }

  private static long session(Connection c, SqlServers.Db db) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(db.postgres() ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Stuck sessions: ids of {idle, blocker, blocked, longRunning}. */
  private long[] stuckSessions(SqlServers.Db db, String table) throws Exception {
    SqlServers.exec(db, "CREATE TABLE " + table + " (id INT PRIMARY KEY, v INT)");
    SqlServers.exec(db, "INSERT INTO " + table + " VALUES (1, 0), (2, 0)");
    Connection idle = connect(db);
    long idleId = session(idle, db); // asked first: a later statement would make it busy again
    idle.setAutoCommit(false);
    try (Statement s = idle.createStatement()) {
      s.executeUpdate("UPDATE " + table + " SET v = 5 WHERE id = 2");
    }
    Connection blocker = connect(db);
    long blockerId = session(blocker, db);
    blocker.setAutoCommit(false);
    try (Statement s = blocker.createStatement()) {
      s.executeUpdate("UPDATE " + table + " SET v = 1 WHERE id = 1");
    }
    Connection blocked = connect(db);
    long blockedId = session(blocked, db);
    sessions.submit(
        () -> {
          try (Statement s = blocked.createStatement()) {
            s.executeUpdate("UPDATE " + table + " SET v = 2 WHERE id = 1");
          }
          return null;
        });
    Connection slow = connect(db);
    long slowId = session(slow, db);
    sessions.submit(
        () -> {
          try (Statement s = slow.createStatement()) {
            s.executeQuery(db.postgres() ? "SELECT pg_sleep(60)" : "SELECT SLEEP(60)").close();
          }
          return null;
        });
    Thread.sleep(3500); // past both thresholds (1s running, 2s idle)
    return new long[] {idleId, blockerId, blockedId, slowId};
  }

  private RunView run(String id, Plan plan, Set<Long> expectedCandidates) throws Exception {
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-7"));
    RunbookWorkflow running = env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
    GateView gate = awaitGate(running, "local/end_sessions", () -> outputs(id).toString());
    Set<Long> shown = new TreeSet<>();
    gate.shows()
        .path("end_sessions")
        .path("with")
        .path("sessions")
        .forEach(row -> shown.add(row.get(0).asLong()));
    assertEquals(expectedCandidates, shown, gate.shows().toString());
    running.decide(
        new ApprovalDecision(
            "local/end_sessions", "alice", Decision.APPROVE, "stuck", plan.hash()));
    return WorkflowStub.fromTyped(wf).getResult(120, TimeUnit.SECONDS, RunView.class);
  }

  private static GateView awaitGate(
      RunbookWorkflow wf, String gate, java.util.function.Supplier<String> outputs)
      throws InterruptedException {
    for (int i = 0; i < 3000; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail(
            "run ended as " + view.status() + ": " + view.failure() + "; outputs " + outputs.get());
      }
      Thread.sleep(20);
    }
    return fail("gate " + gate + " did not open");
  }

  /** The outputs of each step that completed, from the run's history. */
  private Map<String, JsonNode> outputs(String id) {
    DefaultDataConverter json = DefaultDataConverter.newDefaultInstance();
    Map<Long, String> stepOf = new HashMap<>();
    Map<String, JsonNode> outputs = new HashMap<>();
    for (HistoryEvent e : env.getWorkflowClient().fetchHistory(id).getEvents()) {
      if (e.hasActivityTaskScheduledEventAttributes()) {
        StepRequest request =
            json.fromPayloads(
                0,
                java.util.Optional.of(e.getActivityTaskScheduledEventAttributes().getInput()),
                StepRequest.class,
                StepRequest.class);
        stepOf.put(e.getEventId(), request.stepId());
      }
      if (e.hasActivityTaskCompletedEventAttributes()) {
        var done = e.getActivityTaskCompletedEventAttributes();
        StepResult result =
            json.fromPayloads(
                0, java.util.Optional.of(done.getResult()), StepResult.class, StepResult.class);
        outputs.put(stepOf.get(done.getScheduledEventId()), result.outputs());
      }
    }
    return outputs;
  }

  private static Set<Long> ids(JsonNode array) {
    Set<Long> values = new TreeSet<>();
    array.forEach(id -> values.add(id.asLong()));
    return values;
  }

  private static Set<Long> column(JsonNode rows, int index) {
    Set<Long> values = new TreeSet<>();
    rows.forEach(row -> values.add(row.get(index).asLong()));
    return values;
  }

  @Test
  void postgresReportNamesTheStuckSessionsAndEndsOnlyTheIdleOnesAfterTheGate() throws Exception {
    SqlServers.Db db = SqlServers.postgres();
    long[] ids = stuckSessions(db, "stuck_" + System.nanoTime() % 1_000_000);

    RunView result =
        run(
            "health-pg",
            plan("db-health.yaml", "platform"),
            new TreeSet<>(List.of(ids[0], ids[1])));

    assertEquals(RunStatus.COMPLETED, result.status(), result.failure());
    Map<String, JsonNode> out = outputs("health-pg");
    assertTrue(
        column(out.get("long_running").path("rows"), 0).contains(ids[3]),
        out.get("long_running").toString());
    JsonNode blocked = out.get("blocked").path("rows");
    assertEquals(
        List.of(ids[2], ids[1]),
        List.of(blocked.get(0).get(0).asLong(), blocked.get(0).get(3).asLong()),
        blocked.toString());
    assertEquals(Set.of(ids[0], ids[1]), column(out.get("idle_in_transaction").path("rows"), 0));
    assertEquals(0, out.get("statement_stats").path("rowCount").asInt());
    assertTrue(out.containsKey("no_statement_stats"), "the missing pg_stat_statements is noted");
    assertTrue(out.get("database_size").path("rows").get(0).get(1).asLong() > 0);
    assertEquals(Set.of(ids[0], ids[1]), ids(out.get("end_sessions").path("terminated")));
    assertThrows(SQLException.class, () -> open.get(0).createStatement().executeQuery("SELECT 1"));
  }

  @Test
  void mariadbReportNamesTheLockWaitAndEndsOnlyTheIdleTransactionsAfterTheGate() throws Exception {
    SqlServers.Db db = SqlServers.mariadb();
    long[] ids = stuckSessions(db, "stuck_" + System.nanoTime() % 1_000_000);

    RunView result =
        run(
            "health-maria",
            plan("db-health-mysql.yaml", "invoicing"),
            new TreeSet<>(List.of(ids[0], ids[1])));

    assertEquals(RunStatus.COMPLETED, result.status(), result.failure());
    Map<String, JsonNode> out = outputs("health-maria");
    assertTrue(
        column(out.get("long_running").path("rows"), 0).contains(ids[3]),
        out.get("long_running").toString());
    assertEquals(Set.of(ids[2]), column(out.get("lock_waits").path("rows"), 0));
    assertTrue(
        column(out.get("open_transactions").path("rows"), 0).containsAll(List.of(ids[1], ids[2])));
    assertEquals(Set.of(ids[0], ids[1]), ids(out.get("end_sessions").path("terminated")));
  }
}
