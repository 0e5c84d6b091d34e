package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The catalog's {@code runbooks/db-access.yaml} on the time-skipping test server: leases held by
 * the workflow, heartbeats, extension within the maximum, release, expiry and lost heartbeats, and
 * two engineers' leases on one jump box.
 */
class LeaseWorkflowTest {
  private TestWorkflowEnvironment env;
  private LeasedJumpBox box;
  private static final Duration HOUR = Duration.ofHours(1);

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    for (String name : List.of("RunbookName", "Environment", "Launcher", "Ticket", "RunStatus")) {
      env.registerSearchAttribute(
          name, io.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    env.registerSearchAttribute(
        "RunbookVersion", io.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT);
    env.registerSearchAttribute(
        "Approvers", io.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    ControlWorker.register(env.newWorker(RunbookWorkflow.CONTROL_QUEUE));
    box = new LeasedJumpBox();
    Worker stage = env.newWorker("runbook-stage");
    stage.registerActivitiesImplementations(box);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  static String catalogRunbook() throws IOException {
    return Files.readString(Path.of("..", "runbooks", "db-access.yaml"));
  }

  /** The db-access plan for stage, with the stage environment's access policy replaced. */
  static Plan plan(String cidr, String ttl, String access) throws IOException {
    Map<String, ValidatedEnvironment> envs = new LinkedHashMap<>(Fixtures.standardEnvironments());
    envs.put("stage", Fixtures.environment("stage", Fixtures.STAGE + access));
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(catalogRunbook()),
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

  /** Heartbeats until the run holds its lease (the update is refused before). */
  static LeaseAnswer awaitLease(RunbookWorkflow wf, String who) {
    for (int i = 0; i < 500; i++) {
      try {
        return wf.lease(new LeaseRequest(LeaseRequest.Action.HEARTBEAT, who, 0));
      } catch (WorkflowUpdateException refused) {
        if (wf.view().status().isFinal()) {
          fail("the run ended before its lease: " + wf.view().failure());
        }
        sleep(20);
      }
    }
    return fail("no lease; the run is " + wf.view());
  }

  /** Waits by polling (a query does not skip time, so other leases are not expired meanwhile). */
  static RunView awaitEnd(RunbookWorkflow wf) {
    for (int i = 0; i < 1000; i++) {
      RunView view = wf.view();
      if (view.status().isFinal()) {
        return view;
      }
      sleep(20);
    }
    return fail("the run did not end: " + wf.view());
  }

  private static StepRecord step(RunView view, String id) {
    return view.steps().stream().filter(s -> s.stepId().equals(id)).findFirst().orElseThrow();
  }

  private static String refusal(Runnable action) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, action::run);
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof io.temporal.failure.ApplicationFailure app
        ? app.getOriginalMessage()
        : String.valueOf(cause.getMessage());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void twoLeasesKeepTheJumpBoxUpUntilBothEndAndEachRevokesOnlyItsOwnAddress() throws Exception {
    RunbookWorkflow alice =
        launch("access-alice", plan("203.0.113.7/32", "1h", "access: {}\n"), "alice");
    RunbookWorkflow bob =
        launch("access-bob", plan("198.51.100.9/32", "1h", "access: {}\n"), "bob");
    awaitLease(alice, "alice");
    awaitLease(bob, "bob");
    assertTrue(box.running());
    assertEquals(Set.of("203.0.113.7/32", "198.51.100.9/32"), box.rules());

    LeaseAnswer released = alice.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "alice", 0));
    assertFalse(released.active());
    RunView aliceEnd = awaitEnd(alice);
    assertEquals(RunStatus.COMPLETED, aliceEnd.status());
    assertEquals(
        "released by alice after 0s",
        step(aliceEnd, "access").summary().replaceAll("after [0-9.]+s", "after 0s"));
    assertTrue(box.running(), "bob's lease keeps the jump box up");
    assertEquals(Set.of("198.51.100.9/32"), box.rules(), "only alice's address was revoked");
    assertTrue(
        step(aliceEnd, "stop_jump").summary().startsWith("left running: still leased by"),
        step(aliceEnd, "stop_jump").summary());
    assertTrue(awaitLease(bob, "bob").active(), "bob's tunnel is not cut");

    bob.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "bob", 0));
    assertEquals(RunStatus.COMPLETED, awaitEnd(bob).status());
    assertFalse(box.running(), "the last lease stopped the jump box the engine started");
    assertEquals(Set.of(), box.rules());
  }

  @Test
  void aLeaseWhoseHeartbeatsStopEndsAndCleansUp() throws Exception {
    RunbookWorkflow wf =
        launch("access-lost", plan("203.0.113.7/32", "1h", "access: {}\n"), "alice");
    awaitLease(wf, "alice");
    RunView end = WorkflowHarness.result(wf); // skips time: nobody heartbeats
    assertEquals(RunStatus.COMPLETED, end.status());
    assertEquals("ended after 2m: no heartbeat from alice for 2m", step(end, "access").summary());
    assertEquals(Set.of(), box.rules());
    assertFalse(box.running());
  }

  @Test
  void aLeaseEndsAtItsTtlAndAnExtensionIsCappedAtTheMaximum() throws Exception {
    String access = "access: { maxTtl: 3h, heartbeatTimeout: 12h }\n";
    RunbookWorkflow wf = launch("access-ttl", plan("203.0.113.7/32", "1h", access), "alice");
    LeaseAnswer held = awaitLease(wf, "alice");
    assertEquals(2 * HOUR.toMillis(), held.maxUntil() - held.expiresAt());
    LeaseAnswer extended =
        wf.lease(new LeaseRequest(LeaseRequest.Action.EXTEND, "alice", 5 * HOUR.toMillis()));
    assertEquals(extended.maxUntil(), extended.expiresAt());
    assertTrue(extended.message().endsWith("(capped at the maximum, 3h)"), extended.message());
    assertTrue(
        refusal(() -> wf.lease(new LeaseRequest(LeaseRequest.Action.EXTEND, "alice", 60_000)))
            .startsWith("the lease already ends at its maximum"));
    RunView end = WorkflowHarness.result(wf);
    assertEquals("expired after 3h (ttl 1h, 1 extension(s))", step(end, "access").summary());
    assertEquals(Set.of(), box.rules());
  }

  @Test
  void onlyTheHolderDrivesTheLease() throws Exception {
    RunbookWorkflow wf =
        launch("access-mine", plan("203.0.113.7/32", "1h", "access: {}\n"), "alice");
    awaitLease(wf, "alice");
    assertEquals(
        "the lease access belongs to alice; bob cannot release it (start your own with runbook"
            + " tunnel)",
        refusal(() -> wf.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "bob", 0))));
    assertEquals(
        "extend needs a positive duration",
        refusal(() -> wf.lease(new LeaseRequest(LeaseRequest.Action.EXTEND, "alice", 0))));
    wf.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, "alice", 0));
    assertEquals(RunStatus.COMPLETED, awaitEnd(wf).status());
  }

  @Test
  void cancellingARunThatHoldsALeaseRevokesAndStops() throws Exception {
    RunbookWorkflow wf =
        launch("access-cancel", plan("203.0.113.7/32", "1h", "access: {}\n"), "alice");
    awaitLease(wf, "alice");
    wf.cancel(new CancelRequest("alice", "done early"));
    RunView end = awaitEnd(wf);
    assertEquals(RunStatus.CANCELLED, end.status());
    assertEquals(
        List.of("aws.ec2.revoke-ingress", "aws.ec2.stop"),
        end.compensations().stream().map(CompensationRecord::uses).toList());
    assertEquals(Set.of(), box.rules());
    assertFalse(box.running());
  }
}
