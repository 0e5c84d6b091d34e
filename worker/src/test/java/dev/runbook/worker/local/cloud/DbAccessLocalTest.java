package dev.runbook.worker.local.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.CancelRequest;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.LeaseAnswer;
import dev.runbook.engine.workflow.LeaseRequest;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import dev.runbook.worker.ssh.SshFixture;
import dev.runbook.worker.ssh.TunnelPool;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The catalog's {@code runbooks/db-access.yaml} end to end on the {@code local} provider: the real
 * interpreter on Temporal's time-skipping test server, the worker's step implementations from
 * {@link CloudSteps} (the simulated jump box's start/stop/ingress, {@code ssh.tunnel} through an
 * embedded MINA SSHD jump host, the SQL steps on an embedded PostgreSQL behind it), lease
 * heartbeats, TTL expiry, cleanup by compensation and finally, and the lease-end termination of the
 * sessions that came through the jump box.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DbAccessLocalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INSTANCE = "i-0123456789abcdef0";
  private static SshFixture ssh;
  private static Path secrets;
  private static Credentials engine;

  private TestWorkflowEnvironment env;
  private List<Object> steps;
  private LocalEc2Activities box;
  private final List<String> notifications = new CopyOnWriteArrayList<>();
  private EnvironmentSpec spec;
  private ValidatedEnvironment stage;

  @BeforeAll
  static void servers() throws Exception {
    ssh = SshFixture.start();
    engine = LocalSecrets.read(ssh.postgres.secretsFile()).get("local/platform");
    Properties su = new Properties();
    su.setProperty("user", "postgres");
    su.setProperty(
        "password", Files.readString(ssh.postgres.directory().resolve(".superuser")).strip());
    try (Connection c = DriverManager.getConnection(ssh.postgres.jdbcUrl("sshtest"), su);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE db_access LOGIN PASSWORD 'access-pw'");
      s.execute("CREATE ROLE reporting LOGIN PASSWORD 'reporting-pw'");
      s.execute("GRANT pg_signal_backend, pg_read_all_stats TO runbook");
    }
    secrets = ssh.dir.resolve("access-secrets.json");
    ObjectNode root = JSON.createObjectNode();
    root.putObject("local/platform")
        .put("username", engine.username())
        .put("password", engine.password());
    root.putObject("local/platform-access")
        .put("username", "db_access")
        .put("password", "access-pw");
    Files.createFile(
        secrets,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(secrets, JSON.writeValueAsString(root));
  }

  @AfterAll
  static void stopServers() {
    ssh.close();
  }

  @BeforeEach
  void start() {
    String text =
        ssh.environment(ssh.pinned())
                .replace(
                    "secretId: local/platform\n",
                    "secretId: local/platform\n    accessSecretId: local/platform-access\n")
            + "access:\n"
            + "  maxTtl: 8h\n"
            + "  heartbeatTimeout: 12h\n"
            + "  terminateSessions: true\n"
            + "  tunnelSources: [127.0.0.1/32]\n";
    stage = Fixtures.environment("stage", text);
    spec = stage.spec();
    SqlTargets targets =
        SqlTargets.of(List.of(spec), Map.of(), Map.of("stage", new LocalCredentialSource(secrets)));
    steps =
        CloudSteps.of(notifications::add, List.of(spec), targets, SqlSettings.defaults())
            .get("stage");
    box =
        steps.stream()
            .filter(LocalEc2Activities.class::isInstance)
            .map(LocalEc2Activities.class::cast)
            .findFirst()
            .orElseThrow();
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    env.newWorker("runbook-stage").registerActivitiesImplementations(steps.toArray());
    env.start();
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
    for (Object step : steps) {
      if (step instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }

  private Plan plan(String cidr, String ttl) throws Exception {
    Map<String, ValidatedEnvironment> envs = new LinkedHashMap<>(Fixtures.standardEnvironments());
    envs.put("stage", stage);
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(Files.readString(Path.of("..", "runbooks", "db-access.yaml"))),
            envs,
            "stage",
            Map.of("database", "platform", "cidr", cidr, "ttl", ttl));
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(String id, Plan plan, String who) {
    RunbookWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, who, ""));
    return env.getWorkflowClient().newWorkflowStub(RunbookWorkflow.class, id);
  }

  /** Heartbeats until the run holds its lease (refused before). */
  private static LeaseAnswer awaitLease(RunbookWorkflow wf, String who) throws Exception {
    for (int i = 0; i < 1500; i++) {
      try {
        return wf.lease(new LeaseRequest(LeaseRequest.Action.HEARTBEAT, who, 0));
      } catch (WorkflowUpdateException refused) {
        if (wf.view().status().isFinal()) {
          fail("the run ended before its lease: " + wf.view().failure());
        }
        Thread.sleep(40);
      }
    }
    return fail("no lease; the run is " + wf.view());
  }

  /** Polls (a query does not skip time, so the other lease is not expired meanwhile). */
  private static RunView awaitEnd(RunbookWorkflow wf) throws Exception {
    for (int i = 0; i < 1500; i++) {
      RunView view = wf.view();
      if (view.status().isFinal()) {
        return view;
      }
      Thread.sleep(40);
    }
    return fail("the run did not end: " + wf.view());
  }

  /** The result, skipping workflow time to the lease's end. */
  private static RunView result(RunbookWorkflow wf) throws Exception {
    return WorkflowStub.fromTyped(wf).getResult(180, TimeUnit.SECONDS, RunView.class);
  }

  private static StepRecord step(RunView view, String id) {
    return view.steps().stream()
        .filter(s -> s.stepId().equals(id))
        .findFirst()
        .orElseGet(() -> fail("no step " + id + " in " + view.steps()));
  }

  /** An engineer's own forward (a tunnel of their own through the jump box) and a session on it. */
  private Connection engineer(TunnelPool own, String user, String password) throws Exception {
    SqlTarget target =
        SqlTargets.of(List.of(spec), Map.of(), Map.of("stage", new LocalCredentialSource(secrets)))
            .withRoute(own)
            .get("stage", "platform");
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    return DriverManager.getConnection(target.jdbcUrl(), p);
  }

  private static boolean alive(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user")) {
      return rs.next();
    } catch (java.sql.SQLException gone) {
      return false;
    }
  }

  @Test
  void twoLeasesKeepTheJumpBoxUpAndTheirSessionsUntilBothEndThenTtlExpiryCleansUp()
      throws Exception {
    RunbookWorkflow alice =
        launch("db-access-stage-platform-alice", plan("203.0.113.7/32", "1h"), "alice");
    RunbookWorkflow bob =
        launch("db-access-stage-platform-bob", plan("198.51.100.9/32", "1h"), "bob");
    awaitLease(alice, "alice");
    awaitLease(bob, "bob");
    assertTrue(box.running(INSTANCE), "the simulated jump box was started");
    assertEquals(
        Set.of(
            "sg-0123456789abcdef0 tcp/" + ssh.jump.port() + " 203.0.113.7/32",
            "sg-0123456789abcdef0 tcp/" + ssh.jump.port() + " 198.51.100.9/32"),
        box.rules());
    RunView aliceHeld = alice.view();
    assertTrue(
        step(aliceHeld, "check_path").summary().contains("127.0.0.1"),
        step(aliceHeld, "check_path").summary());

    try (TunnelPool aliceTunnel = ssh.pool(spec, TunnelPool.Settings.defaults());
        TunnelPool bobTunnel = ssh.pool(spec, TunnelPool.Settings.defaults());
        Connection aliceSession = engineer(aliceTunnel, "db_access", "access-pw");
        Connection bobSession = engineer(bobTunnel, "db_access", "access-pw");
        Connection reporting = engineer(bobTunnel, "reporting", "reporting-pw");
        Connection engineUser = engineer(bobTunnel, engine.username(), engine.password())) {
      assertTrue(alive(aliceSession) && alive(bobSession));

      alice.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "alice", 0));
      RunView aliceEnd = awaitEnd(alice);
      assertEquals(RunStatus.COMPLETED, aliceEnd.status(), aliceEnd.failure());
      assertTrue(
          step(aliceEnd, "stop_jump").summary().contains("kept " + INSTANCE + ": still leased"),
          step(aliceEnd, "stop_jump").summary());
      assertTrue(box.running(INSTANCE), "bob's lease keeps the jump box up");
      assertEquals(
          Set.of("sg-0123456789abcdef0 tcp/" + ssh.jump.port() + " 198.51.100.9/32"),
          box.rules(),
          "only alice's address was revoked");
      assertEquals(
          "skipped: when is false",
          step(aliceEnd, "end_sessions").summary(),
          "another lease holds the jump box: no session is ended");
      assertTrue(alive(bobSession), "bob's session (the same access user) is not cut");
      assertTrue(awaitLease(bob, "bob").active(), "bob's lease holds");

      // bob goes quiet until his TTL: the test server skips the hour
      RunView bobEnd = result(bob);
      assertEquals(RunStatus.COMPLETED, bobEnd.status(), bobEnd.failure());
      assertEquals("expired after 1h (ttl 1h)", step(bobEnd, "access").summary());
      assertFalse(box.running(INSTANCE), "the last lease stopped the jump box the engine started");
      assertEquals(Set.of(), box.rules());
      StepRecord ended = step(bobEnd, "end_sessions");
      assertTrue(
          ended
              .summary()
              .startsWith(
                  "terminated 2 of 2 session(s) of db_access from 127.0.0.1/32 on platform"),
          ended.summary());
      assertFalse(alive(aliceSession), "the tunnel sessions of the access user ended");
      assertFalse(alive(bobSession));
      assertTrue(alive(reporting), "another user's session through the jump box survives");
      assertTrue(alive(engineUser), "a session of the engine's user survives");
      assertTrue(
          notifications.stream()
              .anyMatch(n -> n.contains("db-access to platform (stage) for bob: ")),
          notifications.toString());
    }
  }

  @Test
  void aRunCancelledDuringItsLeaseRevokesAndStopsByCompensationAndReportsInFinally()
      throws Exception {
    RunbookWorkflow carol =
        launch("db-access-stage-platform-carol", plan("192.0.2.44/32", "1h"), "carol");
    awaitLease(carol, "carol");
    assertTrue(box.running(INSTANCE));
    carol.cancel(new CancelRequest("carol", "done early"));
    RunView end = result(carol); // after the undos and finally
    assertEquals(RunStatus.CANCELLED, end.status());
    assertEquals(
        List.of("aws.ec2.revoke-ingress", "aws.ec2.stop"),
        end.compensations().stream().map(CompensationRecord::uses).toList());
    assertEquals(Set.of(), box.rules());
    assertFalse(box.running(INSTANCE));
    StepRecord report = step(end, "report");
    assertTrue(
        notifications.stream().anyMatch(n -> n.contains("for carol: ")),
        notifications + " " + report);
  }
}
