package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import io.temporal.client.WorkflowExecutionDescription;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run}, {@code approve} and {@code reject} end to end: Temporal's test server over TCP on
 * 127.0.0.1, a worker with a recording notify, people acting through RUNBOOK_USER.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunCommandTest {
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

  static Plan demoPlan(String... params) {
    return Compilation.compile(
        "plan",
        "planned",
        Cli.demo(),
        "local",
        List.of(params),
        null,
        new PrintWriter(new StringWriter()));
  }

  static String[] runDemo(String ticket, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("run", Cli.demo().toString(), "--env", "local", "-p", "ticket=" + ticket));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void runWithDetachPrintsTheRunIdAndRecordsWhoWhatAndWhereOnTheRun() {
    Cli.Result result = temporal.run("carol", runDemo("DEMO-11", "--detach"));

    assertEquals(new Cli.Result(0, "demo-local-DEMO-11\n", ""), result);
    WorkflowExecutionDescription run =
        temporal.connection().client().newUntypedWorkflowStub("demo-local-DEMO-11").describe();
    Plan plan = demoPlan("ticket=DEMO-11");
    assertEquals(
        "demo v1 on local, ticket DEMO-11, plan " + plan.hash().substring(0, 12),
        run.getStaticSummary());
    assertTrue(
        run.getStaticDetails().contains("- plan hash: " + plan.hash()), run.getStaticDetails());
    var attributes = run.getTypedSearchAttributes();
    assertEquals("demo", attributes.get(RunSearchAttributes.RUNBOOK_NAME));
    assertEquals(1L, attributes.get(RunSearchAttributes.RUNBOOK_VERSION));
    assertEquals("local", attributes.get(RunSearchAttributes.ENVIRONMENT));
    assertEquals("carol", attributes.get(RunSearchAttributes.LAUNCHER));
    assertEquals("DEMO-11", attributes.get(RunSearchAttributes.TICKET));
    assertEquals("local", run.getMemo("target", String.class));
    RunView view = temporal.view("demo-local-DEMO-11");
    assertEquals("carol", view.launcher());
    assertEquals(plan.hash(), view.planHash());
  }

  @Test
  void aTakenRunIdGetsTheNextFreeSuffix() {
    assertEquals(
        new Cli.Result(0, "demo-local-DEMO-12\n", ""),
        temporal.run("carol", runDemo("DEMO-12", "--detach")));
    assertEquals(
        new Cli.Result(0, "demo-local-DEMO-12-2\n", ""),
        temporal.run("carol", runDemo("DEMO-12", "--detach")));
    assertEquals(
        new Cli.Result(0, "demo-local-DEMO-12-3\n", ""),
        temporal.run("carol", runDemo("DEMO-12", "--detach")));
  }

  @Test
  void withoutATicketTheRunIdEndsWithTheStartTimeAndTicketOverridesTheParam() {
    Path file =
        Cli.write(
            dir.resolve("tiny.yaml"),
            """
            apiVersion: runbook/v1
            kind: Runbook
            metadata: { name: tiny, version: 1 }
            environments: [local]
            steps:
              - id: hello
                uses: notify
                with: { text: "hello from ${{ run.id }}" }
            """);
    String[] args = {
      "run",
      file.toString(),
      "--env",
      "local",
      "--environments",
      Cli.runbooks().resolve("environments").toString(),
      "--detach"
    };

    Cli.Result stamped = temporal.run("carol", args);
    Cli.Result ticketed = temporal.run("carol", append(args, "--ticket", "CHG 7/1"));

    assertTrue(stamped.out().matches("tiny-local-\\d{8}-\\d{6}\n"), stamped.out());
    assertEquals(new Cli.Result(0, "tiny-local-CHG-7-1\n", ""), ticketed);
  }

  @Test
  void followingARunPrintsItsStepsItsGateWithTheCommandsAndExits0WhenASecondPersonApproves() {
    TemporalFixture.Background follow = temporal.start("carol", runDemo("DEMO-13"));
    follow.awaitOutput("reject:");

    Cli.Result approved =
        temporal.run(
            "bob", "approve", "demo-local-DEMO-13", "--gate", "local/review", "--comment", "ok");
    Cli.Result result = follow.result();

    assertEquals(
        new Cli.Result(0, "run demo-local-DEMO-13: approved: gate local/review is open\n", ""),
        approved);
    String hash = demoPlan("ticket=DEMO-13").hash().substring(0, 12);
    assertEquals(
        new Cli.Result(
            0,
            """
            run demo-local-DEMO-13: demo v1 on local, ticket DEMO-13, plan %s
            launched by carol; follow it anywhere: runbook watch demo-local-DEMO-13 --address 127.0.0.1:<port>
            local/announce started (notify)
            local/announce completed in _s: recorded
            local/review started (approval)
            gate local/review is waiting for approval
              approvers: alice, bob (1 needed), open until <time>
              message:   DEMO-13: continue the demo on local?
              approve:   runbook approve demo-local-DEMO-13 --gate local/review --address 127.0.0.1:<port>
              reject:    runbook reject demo-local-DEMO-13 --gate local/review --reason TEXT --address 127.0.0.1:<port>
            gate local/review approved by bob: ok
            local/review completed in _s: approved by bob
            local/pause started (wait)
            local/pause completed in _s: waited PT2S
            local/check started (assert)
            local/check completed in _s: holds
            local/done started (notify)
            local/done completed in _s: recorded
            local/report started (notify)
            local/report completed in _s: recorded
            run demo-local-DEMO-13 COMPLETED after _s
            """
                .formatted(hash),
            ""),
        new Cli.Result(
            result.exitCode(), Cli.normalize(result.out(), temporal.port), result.err()));
    assertTrue(
        temporal.notify.texts.contains("local: DEMO-13: carol started demo-local-DEMO-13"),
        temporal.notify.texts.toString());
    assertTrue(
        temporal.notify.texts.contains("local: DEMO-13: demo-local-DEMO-13 ended completed"),
        temporal.notify.texts.toString());
  }

  @Test
  void theLauncherCannotApproveOnStageTheFourEyesReasonIsPrintedAndTheExitIs2() throws Exception {
    Path runbook = dir.resolve("review.yaml");
    Files.writeString(
        runbook,
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: review, version: 1 }
        environments: [stage]
        steps:
          - id: ok
            uses: approval
            with: { approvers: { group: db-leads } }
        """);
    Cli.Result started =
        temporal.run(
            "alice",
            "run",
            runbook.toString(),
            "--env",
            "stage",
            "--environments",
            Cli.root().resolve("runbooks/environments").toString(),
            "--ticket",
            "OPS-14",
            "--detach");
    String id = started.out().strip();
    temporal.awaitGate(id, "stage/ok");

    Cli.Result refused = temporal.run("alice", "approve", id, "--gate", "stage/ok");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: alice launched this run and cannot approve it: a second person"
                + " must (four eyes)\n"),
        refused);
    Cli.Result cancelled = temporal.run("alice", "cancel", id, "--reason", "test over");
    assertEquals(0, cancelled.exitCode(), cancelled.toString());
    assertEquals(RunStatus.CANCELLED, temporal.view(id).status());
    // stage's environment file has notifications: the run announced its gate and its end
    assertTrue(
        temporal.notify.texts.stream()
            .anyMatch(
                t ->
                    t.startsWith("stage: :raised_hand: Approval needed: run `" + id + "`")
                        && t.contains("\nApprove: `runbook approve " + id + " --gate stage/ok`")),
        temporal.notify.texts.toString());
    assertTrue(
        temporal.notify.texts.contains(
            "stage: :x: Run `"
                + id
                + "` ended CANCELLED (review v1, stage, launched by alice, ticket OPS-14):"
                + " cancelled by alice: test over.\n0 steps completed.\nDetails: `runbook status "
                + id
                + "`, `runbook audit "
                + id
                + "`"),
        temporal.notify.texts.toString());
    Cli.Result status = temporal.run("alice", "status", id);
    assertTrue(
        status.out().contains("\nnotices\n  approval-needed stage/ok: ")
            && status.out().contains("\n  failed: "),
        status.out());
  }

  @Test
  void someoneOutsideTheGatesTeamIsRefusedWithTheAllowedApprovers() {
    temporal.run("carol", runDemo("DEMO-15", "--detach"));
    temporal.awaitGate("demo-local-DEMO-15", "local/review");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: carol may not decide at gate 'local/review'; allowed: alice, bob"
                + " (team db-leads)\n"),
        temporal.run("carol", "approve", "demo-local-DEMO-15"));
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: gate 'promote@prod' is not open; the open gate is"
                + " 'local/review'\n"),
        temporal.run("bob", "approve", "demo-local-DEMO-15", "--gate", "promote@prod"));
  }

  @Test
  void aStepTypeWithoutAnImplementationFailsTheRunAtOnceNamingTheType() {
    // sql.change previews before its gate, so the missing implementation shows at once.
    String id = detachedFix("OPS-16", "alice");
    Cli.Result watched = temporal.run("alice", "watch", id);

    assertEquals(1, watched.exitCode(), watched.toString());
    String failure =
        "CONFIGURATION: step type sql.change has no implementation on the worker for stage"
            + " (task queue runbook-stage; it implements: notify)";
    assertTrue(watched.out().contains("stage/fix failed in "), watched.out());
    assertTrue(
        watched.out().contains("run " + id + " FAILED after ")
            && watched.out().contains(": " + failure + "\n"),
        watched.out());
    assertEquals(failure, temporal.view(id).failure());
  }

  @Test
  void aRejectionEndsTheRunRejectedAndTheFollowerShowsTheUndosAndExits1() {
    TemporalFixture.Background follow = temporal.start("carol", runDemo("DEMO-17"));
    follow.awaitOutput("reject:");

    Cli.Result rejected =
        temporal.run(
            "bob", "reject", "demo-local-DEMO-17", "--gate", "local/review", "--reason", "not now");
    Cli.Result result = follow.result();

    assertEquals(
        new Cli.Result(
            0, "run demo-local-DEMO-17: rejected: the run stops and its undos run\n", ""),
        rejected);
    assertEquals(1, result.exitCode());
    String out = Cli.normalize(result.out(), temporal.port);
    assertTrue(
        out.endsWith(
            """
            gate local/review rejected by bob: not now
            local/review failed in _s: rejected by bob at gate local/review: not now
            local/report started (notify)
            local/report completed in _s: recorded
            run demo-local-DEMO-17 REJECTED after _s: rejected by bob at gate local/review: not now
            undo local/announce (notify) completed: recorded
            """),
        out);
    assertTrue(
        temporal.notify.texts.contains(
            "local: DEMO-17: undo of announce: demo-local-DEMO-17 did not complete"),
        temporal.notify.texts.toString());
  }

  @Test
  void decidingOnAnEndedRunSaysSoAndExits3() {
    temporal.run("carol", runDemo("DEMO-18", "--detach"));
    temporal.awaitGate("demo-local-DEMO-18", "local/review");
    temporal.run("bob", "reject", "demo-local-DEMO-18", "--reason", "no");
    temporal.run("carol", "watch", "demo-local-DEMO-18");

    assertEquals(
        new Cli.Result(
            3, "", "runbook: run demo-local-DEMO-18 has ended (REJECTED); nothing to decide\n"),
        temporal.run("bob", "approve", "demo-local-DEMO-18"));
  }

  @Test
  void decidingOnAnUnknownRunSaysThereIsNoSuchRunAndExits2() {
    assertEquals(
        new Cli.Result(
            2, "", "runbook: no run nope-1 in namespace default" + Runs.NO_RUN_HINT + "\n"),
        temporal.run("bob", "approve", "nope-1"));
    assertEquals(
        new Cli.Result(
            2, "", "runbook: no run nope-1 in namespace default" + Runs.NO_RUN_HINT + "\n"),
        temporal.run("bob", "reject", "nope-1", "--reason", "x"));
  }

  @Test
  void anInvalidLaunchIsRefusedBeforeAnyConnectionWithEveryProblem() {
    Cli.Result result =
        Cli.run(
            CliContext.of(java.util.Map.of("TEMPORAL_ADDRESS", "127.0.0.1:1")),
            "run",
            Cli.demo().toString(),
            "--env",
            "local");

    assertEquals(2, result.exitCode());
    assertEquals("", result.out());
    assertTrue(result.err().endsWith("run: 1 problem(s); nothing was started\n"), result.err());
    assertTrue(result.err().contains("-p ticket"), result.err());
  }

  @Test
  void anUnreachableServerIsOneLineWithExit3AndNoStackTrace() {
    int closed = TemporalFixture.freePort();
    Cli.Result result =
        Cli.run(
            CliContext.of(java.util.Map.of("RUNBOOK_USER", "carol")),
            append(runDemo("DEMO-19"), "--address", "127.0.0.1:" + closed));

    assertEquals(
        new Cli.Result(
            3,
            "",
            "runbook: cannot reach Temporal at 127.0.0.1:"
                + closed
                + " (connection refused); is a server running there? `runbook dev` starts one on"
                + " this machine\n"),
        result);
  }

  @Test
  void tlsFlagsAreCheckedBeforeConnecting() {
    assertEquals(
        new Cli.Result(
            2, "", "runbook: --tls-cert and --tls-key go together: give both or neither\n"),
        temporal.run("carol", "status", "x", "--tls-cert", Cli.demo().toString()));
    assertEquals(
        new Cli.Result(2, "", "runbook: --tls-ca missing.pem: no such file\n"),
        temporal.run("carol", "status", "x", "--tls-ca", "missing.pem"));
  }

  private static String detachedFix(String ticket, String launcher) {
    List<String> args =
        new ArrayList<>(
            List.of("run", Cli.emergencyDataFix().toString(), "--env", "stage", "--detach"));
    for (String p : Cli.fixParams()) {
      args.add(p.startsWith("ticket=") ? "ticket=" + ticket : p);
    }
    Cli.Result started = temporal.run(launcher, args.toArray(String[]::new));
    assertEquals(0, started.exitCode(), started.toString());
    return started.out().strip();
  }

  private static String[] append(String[] args, String... more) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
