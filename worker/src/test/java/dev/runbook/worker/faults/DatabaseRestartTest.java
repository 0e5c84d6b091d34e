package dev.runbook.worker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database restarted between two steps: {@code runbooks/emergency-data-fix.yaml} on {@code
 * local} previews its change, the embedded PostgreSQL stops and starts again on the same port and
 * data directory while the gate is open, then the approved apply runs on the worker's pooled (now
 * dead) connections: it reconnects and applies the change exactly once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatabaseRestartTest {
  private static final Path RUNBOOKS = Path.of("..", "runbooks");

  @Test
  void aDatabaseRestartedBetweenPreviewAndApplyIsReconnectedAndTheChangeAppliedOnce(
      @TempDir Path dir) throws Exception {
    List<Diagnostic> problems = new ArrayList<>();
    Path environments = RUNBOOKS.resolve("environments");
    Map<String, ValidatedEnvironment> envs = Workspace.environments(environments, problems);
    assertEquals(List.of(), problems);
    EnvironmentSpec local = envs.get("local").spec();
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    LocalPostgres.Options options =
        new LocalPostgres.Options(port, LocalDatabases.of(local).databases(), dir.resolve("pg"));
    LocalPostgres postgres = LocalPostgres.start(options);
    List<Object> steps = List.of();
    TestWorkflowEnvironment env = StepTestEnvironment.start();
    try {
      Map<String, SqlTargets.Endpoint> overrides = new LinkedHashMap<>();
      for (String name : local.databases().keySet()) {
        overrides.put("local/" + name, new SqlTargets.Endpoint("127.0.0.1", port));
      }
      SqlTargets targets =
          SqlTargets.fromDirectory(
              environments, overrides, new LocalCredentialSource(postgres.secretsFile()));
      steps =
          CloudSteps.of(
                  new CopyOnWriteArrayList<String>()::add,
                  List.of(local),
                  targets,
                  SqlSettings.defaults().withExportDirectory(dir))
              .get("local");
      for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
        env.registerSearchAttribute(key.getName(), key.getValueType());
      }
      ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
      env.newWorker("runbook-local").registerActivitiesImplementations(steps.toArray());
      env.start();

      Credentials login = LocalSecrets.read(postgres.secretsFile()).get("local/platform");
      exec(postgres, login, "CREATE TABLE restart_fix (id integer PRIMARY KEY, total numeric)");
      exec(postgres, login, "INSERT INTO restart_fix VALUES (1, 10), (2, 20)");
      Map<String, String> params = new LinkedHashMap<>();
      params.put("database", "platform");
      params.put("change", "UPDATE restart_fix SET total = total + 1 WHERE id = :id");
      params.put("bind", "{\"id\": 1}");
      params.put("expectRows", "1");
      params.put("verify", "SELECT id FROM restart_fix WHERE id = :id AND total <> 11");
      params.put("ticket", "OPS-77");
      ValidatedRunbook runbook =
          Workspace.runbook(RUNBOOKS.resolve("emergency-data-fix.yaml")).value().orElseThrow();
      PlanCompiler.Result compiled = PlanCompiler.compile(runbook, envs, "local", params);
      assertEquals(List.of(), compiled.diagnostics());
      Plan plan = compiled.plan().orElseThrow();
      String id = "emergency-data-fix-local-OPS-77";
      RunbookWorkflow wf =
          env.getWorkflowClient()
              .newWorkflowStub(
                  RunbookWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId(id)
                      .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                      .build());
      WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-77"));
      wf = env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
      awaitGate(wf, "local/fix");

      postgres = restart(postgres, options, login);

      wf.decide(new ApprovalDecision("local/fix", "bob", Decision.APPROVE, "ok", plan.hash()));
      RunView view = WorkflowStub.fromTyped(wf).getResult(120, TimeUnit.SECONDS, RunView.class);

      assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
      assertEquals("1=11|2=20|", rows(postgres, login), "applied exactly once");
      assertEquals(
          "1",
          query(
              postgres,
              login,
              "SELECT count(*) FROM runbook_change_ledger WHERE run_id = '" + id + "'"));
    } finally {
      env.close();
      for (Object step : steps) {
        if (step instanceof AutoCloseable c) {
          c.close();
        }
      }
      postgres.close();
    }
  }

  /**
   * Stops the server and starts it again on the same port and data directory. The embedded server
   * gives its role a new password on each start; a real restart keeps it, so the old one is set
   * back (and the secrets file the worker reads restored).
   */
  private static LocalPostgres restart(
      LocalPostgres postgres, LocalPostgres.Options options, Credentials login) throws Exception {
    byte[] secrets = Files.readAllBytes(postgres.secretsFile());
    postgres.close();
    LocalPostgres again = LocalPostgres.start(options);
    Credentials fresh = LocalSecrets.read(again.secretsFile()).get("local/platform");
    exec(
        again,
        fresh,
        "ALTER ROLE "
            + login.username()
            + " PASSWORD '"
            + login.password().replace("'", "''")
            + "'");
    Files.write(again.secretsFile(), secrets);
    return again;
  }

  private static void awaitGate(RunbookWorkflow wf, String gate) throws InterruptedException {
    for (int i = 0; i < 3000; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return;
        }
      }
      assertTrue(!view.status().isFinal(), () -> "run ended: " + view.failure());
      Thread.sleep(20);
    }
    fail("gate " + gate + " did not open");
  }

  private static Connection connect(LocalPostgres postgres, Credentials login) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", login.username());
    p.setProperty("password", login.password());
    return DriverManager.getConnection(postgres.jdbcUrl("platform"), p);
  }

  private static void exec(LocalPostgres postgres, Credentials login, String sql) throws Exception {
    try (Connection c = connect(postgres, login);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String query(LocalPostgres postgres, Credentials login, String sql)
      throws Exception {
    try (Connection c = connect(postgres, login);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  private static String rows(LocalPostgres postgres, Credentials login) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection c = connect(postgres, login);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id, total FROM restart_fix ORDER BY id")) {
      while (r.next()) {
        out.append(r.getInt(1))
            .append('=')
            .append(r.getBigDecimal(2).stripTrailingZeros().toPlainString())
            .append('|');
      }
    }
    return out.toString();
  }
}
