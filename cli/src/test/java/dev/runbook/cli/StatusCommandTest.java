package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code status}: where a run stands, as text and as JSON, while it waits and once it ended. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatusCommandTest {
  static TemporalFixture temporal;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static String hash(String ticket) {
    return RunCommandTest.demoPlan("ticket=" + ticket).hash();
  }

  @Test
  void aRunAtItsGateShowsTheGateWhatItShowsTheCommandsAndTheStepsSoFar() {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-21", "--detach"));
    temporal.awaitGate("demo-local-DEMO-21", "local/review");

    Cli.Result result = temporal.run("alice", "status", "demo-local-DEMO-21");

    assertEquals(
        new Cli.Result(
            0,
            """
            run        demo-local-DEMO-21
            runbook    demo v1, target local
            plan hash  %s
            launcher   carol, ticket DEMO-21
            status     WAITING_APPROVAL in local, step review
            started    <time>, running for _s
            open gate  local/review
              approvers: alice, bob (1 needed), open until <time>
              message:   DEMO-21: continue the demo on local?
              approve:   runbook approve demo-local-DEMO-21 --gate local/review --address 127.0.0.1:<port>
              reject:    runbook reject demo-local-DEMO-21 --gate local/review --reason TEXT --address 127.0.0.1:<port>
            steps
              local/announce  notify    COMPLETED  _s  recorded
              local/review    approval  RUNNING    running for _s
            audit      not recorded: the worker running this run has no audit store configured
            """
                .formatted(hash("DEMO-21")),
            ""),
        new Cli.Result(
            result.exitCode(), Cli.normalize(result.out(), temporal.port), result.err()));
  }

  @Test
  void aGateNeedingTwoShowsTheApprovalsSoFarAndWhatItShows() {
    Path file =
        Cli.write(
            dir.resolve("pair.yaml"),
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata: { name: pair, version: 3 }
            environments: [local]
            steps:
              - id: hello
                uses: notify
                with: { text: "hello" }
              - id: ok
                uses: approval
                with:
                  approvers: { users: [alice, bob, carol] }
                  min: 2
                  shows: [hello]
            """);
    Cli.Result started =
        temporal.run(
            "erin",
            "run",
            file.toString(),
            "--env",
            "local",
            "--ticket",
            "OPS-22",
            "--environments",
            Cli.runbooks().resolve("environments").toString(),
            "--detach");
    String id = started.out().strip();
    temporal.awaitGate(id, "local/ok");
    assertEquals(
        new Cli.Result(0, "run pair-local-OPS-22: approved: 1 of 2 approvals\n", ""),
        temporal.run("alice", "approve", id, "--comment", "first"));

    Cli.Result result = temporal.run("erin", "status", id);

    String out = Cli.normalize(result.out(), temporal.port);
    assertTrue(
        out.contains(
            """
            open gate  local/ok
              approvers: alice, bob, carol (2 needed; approved so far by alice), open until <time>
              shows:     hello = {"delivered":true}
            """),
        out);
    assertTrue(
        out.endsWith(
            """
            approvals
              <time>  gate local/ok approved by alice: first
            audit      not recorded: the worker running this run has no audit store configured
            """),
        out);
  }

  @Test
  void jsonHoldsTheRunAsTheWorkflowReportsItWithItsId() throws Exception {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-23", "--detach"));
    temporal.awaitGate("demo-local-DEMO-23", "local/review");

    Cli.Result result = temporal.run("alice", "status", "demo-local-DEMO-23", "--format", "json");

    assertEquals(0, result.exitCode(), result.toString());
    JsonNode json = new ObjectMapper().readTree(result.out());
    assertEquals("demo-local-DEMO-23", json.path("id").asText());
    assertEquals("RUNNING", json.path("temporalStatus").asText());
    assertEquals("WAITING_APPROVAL", json.path("status").asText());
    assertEquals("demo", json.path("runbook").asText());
    assertEquals(hash("DEMO-23"), json.path("planHash").asText());
    assertEquals("carol", json.path("launcher").asText());
    assertEquals("DEMO-23", json.path("ticket").asText());
    assertEquals("local/review", json.path("openGates").path(0).path("id").asText());
    assertEquals("alice", json.path("openGates").path(0).path("approvers").path(0).asText());
    assertEquals("announce", json.path("steps").path(0).path("stepId").asText());
    assertEquals("COMPLETED", json.path("steps").path(0).path("outcome").asText());
    assertTrue(json.path("startedAt").asText().endsWith("Z"));
    assertTrue(json.path("closedAt").isMissingNode());
  }

  @Test
  void anEndedRunShowsEveryStepTheUndosAndTheFailure() {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-24", "-p", "fail=true", "--detach"));
    temporal.awaitGate("demo-local-DEMO-24", "local/review");
    temporal.run("bob", "approve", "demo-local-DEMO-24");
    temporal.run("carol", "watch", "demo-local-DEMO-24");

    Cli.Result result = temporal.run("alice", "status", "demo-local-DEMO-24");

    assertEquals(
        new Cli.Result(
            0,
            """
            run        demo-local-DEMO-24
            runbook    demo v1, target local
            plan hash  %s
            launcher   carol, ticket DEMO-24
            status     FAILED
            started    <time>, ended after _s
            steps
              local/announce  notify    COMPLETED  _s  recorded
              local/review    approval  COMPLETED  _s  approved by bob
              local/pause     wait      COMPLETED  _s  waited PT2S
              local/check     assert    FAILED     _s  the check failed (launched with -p fail=true)
              local/report    notify    COMPLETED  _s  recorded
            approvals
              <time>  gate local/review approved by bob
            undos (newest first)
              undo local/announce (notify) completed: recorded
            failure    step check: the check failed (launched with -p fail=true)
            audit      not recorded: the worker running this run has no audit store configured
            """
                .formatted(RunCommandTest.demoPlan("ticket=DEMO-24", "fail=true").hash()),
            ""),
        new Cli.Result(
            result.exitCode(), Cli.normalize(result.out(), temporal.port), result.err()));
  }

  @Test
  void anUnknownRunIsExit2() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: no run demo-local-NOPE in namespace default" + Runs.NO_RUN_HINT + "\n"),
        temporal.run("alice", "status", "demo-local-NOPE"));
  }
}
