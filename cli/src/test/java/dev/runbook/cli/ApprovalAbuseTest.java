package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import io.temporal.client.WorkflowUpdateException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abuse of approvals through {@code runbook approve} on a real Temporal test server: each refused
 * with its reason and exit 2 (3 once the run ended), and each refusal recorded in the run.
 */
class ApprovalAbuseTest {
  private static TemporalFixture temporal;

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static String[] demo(String ticket) {
    return new String[] {
      "run", Cli.demo().toString(), "--env", "local", "-p", "ticket=" + ticket, "--detach"
    };
  }

  /** Stage (unlike local) keeps four eyes: a launcher may not approve their own run. */
  private static final String GATED =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: gated, version: 1 }
      environments: [stage]
      steps:
        - id: ok
          uses: approval
          with: { approvers: { group: db-leads } }
      """;

  @TempDir static Path dir;

  @Test
  void everyAbuseIsRefusedWithItsReasonAndRecordedInTheRun() {
    Path runbook = Cli.write(dir.resolve("gated.yaml"), GATED);
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
            "ABUSE-1",
            "--detach");
    String id = started.out().strip();
    temporal.awaitGate(id, "stage/ok");
    String hash = temporal.view(id).planHash();

    Cli.Result self = temporal.run("alice", "approve", id, "--gate", "stage/ok");
    Cli.Result unlisted = temporal.run("mallory", "approve", id, "--gate", "stage/ok");
    Cli.Result closedGate = temporal.run("bob", "approve", id, "--gate", "promote@prod");
    // A stale plan hash cannot come from the CLI (it sends the hash of the running plan): a client
    // of its own sends one.
    WorkflowUpdateException stale =
        assertThrows(
            WorkflowUpdateException.class,
            () ->
                new Runs(temporal.connection())
                    .workflow(id)
                    .decide(
                        new ApprovalDecision(
                            "stage/ok", "bob", Decision.APPROVE, "", "0".repeat(64))));

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: alice launched this run and cannot approve it: a second person"
                + " must (four eyes)\n"),
        self);
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: mallory may not decide at gate 'stage/ok'; allowed: alice, bob"
                + " (team db-leads)\n"),
        unlisted);
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: refused: gate 'promote@prod' is not open; the open gate is"
                + " 'stage/ok'\n"),
        closedGate);
    assertTrue(
        Temporal.refusal(stale).startsWith("plan hash 000000000000 is not the plan running ("),
        Temporal.refusal(stale));
    assertInstanceOf(WorkflowUpdateException.class, stale);

    // Recorded: the run (its history, `runbook status`, the audit trail) must keep who tried what
    // and why it was refused. The decide handler records each refusal before failing the update.
    List<String> refusals = temporal.view(id).refusals();
    assertEquals(
        List.of(
            "alice: alice launched this run and cannot approve it: a second person must (four"
                + " eyes)",
            "mallory: mallory may not decide at gate 'stage/ok'; allowed: alice, bob (team"
                + " db-leads)",
            "bob: gate 'promote@prod' is not open; the open gate is 'stage/ok'",
            "bob: plan hash 000000000000 is not the plan running ("
                + hash.substring(0, 12)
                + "); check `runbook status` and decide on what runs"),
        refusals,
        "refused approvals are not recorded in the run");
    Cli.Result status = temporal.run("bob", "status", id);
    assertEquals(0, status.exitCode(), status.toString());
    assertTrue(
        status.out().contains("refused\n  " + refusals.get(0) + "\n  " + refusals.get(1)),
        status.out());
    Cli.Result audit = temporal.run("bob", "audit", id, "--from", "temporal");
    assertEquals(0, audit.exitCode(), audit.toString());
    for (String r : refusals) {
      assertTrue(audit.out().contains("| | " + r + " | REFUSED |"), audit.out());
    }
    assertEquals(List.of(), temporal.view(id).approvals(), "a refusal never counts");
    temporal.run("alice", "cancel", id, "--reason", "test over");
  }

  @Test
  void aReplayedApprovalAndAnApprovalAfterTheEndAreRefused() {
    String id = temporal.run("carol", demo("ABUSE-2")).out().strip();
    temporal.awaitGate(id, "local/review");

    Cli.Result approved = temporal.run("bob", "approve", id, "--gate", "local/review");
    assertEquals(0, approved.exitCode(), approved.toString());
    Cli.Result watched = temporal.run("carol", "watch", id);
    assertEquals(0, watched.exitCode(), watched.toString());
    RunView view = temporal.view(id);
    assertEquals(RunStatus.COMPLETED, view.status());

    Cli.Result replayed = temporal.run("bob", "approve", id, "--gate", "local/review");
    Cli.Result late = temporal.run("alice", "approve", id, "--gate", "local/review");

    String ended = "runbook: run " + id + " has ended (COMPLETED); nothing to decide\n";
    assertEquals(new Cli.Result(3, "", ended), replayed);
    assertEquals(new Cli.Result(3, "", ended), late);
    // The one approval that counted is the only one in the run.
    assertEquals(1, view.approvals().size(), view.approvals().toString());
    assertEquals("bob", view.approvals().get(0).approver());
  }
}
