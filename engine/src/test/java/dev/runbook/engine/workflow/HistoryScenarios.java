package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runs whose histories are stored under {@code src/test/resources/histories} and replayed by
 * {@link HistoryReplayTest}. Each scenario is a real run of the interpreter on the time-skipping
 * test server with {@link FakeActivities}; {@link RecordHistories} records them.
 *
 * <p>The runbooks are written here, not shared with other tests, so that editing a test never
 * changes what a stored history means. Add a scenario when the interpreter gains a path (a new step
 * kind, a new way to end); never change one that has a stored history: add a new one instead.
 */
final class HistoryScenarios {
  private HistoryScenarios() {}

  /** Drives one run from its start to its end (approvals, cancels). */
  interface Driver {
    void drive(RunbookWorkflow wf, Plan plan) throws Exception;
  }

  /**
   * @param name the file name without {@code .json}, and the workflow id ({@code history-<name>})
   * @param failing "env:type:step" activity calls that fail (see {@link FakeActivities#failing})
   * @param expected how the run must end for its history to be worth keeping
   */
  record Scenario(
      String name,
      String runbook,
      String target,
      List<String> failing,
      Driver driver,
      RunStatus expected,
      String environmentExtra) {
    Scenario(
        String name,
        String runbook,
        String target,
        List<String> failing,
        Driver driver,
        RunStatus expected) {
      this(name, runbook, target, failing, driver, expected, "");
    }

    /** Compiled for the standard environments, with {@code environmentExtra} added to stage's. */
    Plan plan() {
      if (environmentExtra.isEmpty()) {
        return Fixtures.plan(runbook, target, Map.of());
      }
      Map<String, ValidatedEnvironment> envs = new LinkedHashMap<>(Fixtures.standardEnvironments());
      envs.put("stage", Fixtures.environment("stage", Fixtures.STAGE + environmentExtra));
      PlanCompiler.Result result =
          PlanCompiler.compile(Fixtures.runbook(runbook), envs, target, Map.of());
      return result
          .plan()
          .orElseThrow(() -> new IllegalStateException(result.diagnostics().toString()));
    }

    String workflowId() {
      return "history-" + name;
    }
  }

  /** Stage then prod behind a promote gate; an approval per stage; an undo; a finally step. */
  static final String ACCESS =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: access, version: 1 }
      environments: [stage, prod]
      steps:
        - id: allow
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
          compensate:
            uses: sql.restore
            with: { database: platform, backup: "${{ steps.fix.outputs.backupTable }}" }
        - id: ok
          uses: approval
          with: { approvers: { group: db-leads }, shows: [fix], timeout: 2h }
      gates:
        promote: { approvers: { group: db-team }, timeout: 1h }
      finally:
        - uses: notify
          with: { text: "access ${{ run.status }}" }
      """;

  /** A query, a change that only runs on enough rows (skipped: the fake query returns 3). */
  static final String CLEANUP =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: cleanup, version: 1 }
      environments: [stage]
      steps:
        - id: count
          uses: sql.query
          with:
            database: platform
            query: "SELECT id FROM invoices WHERE status = 'stale'"
        - id: purge
          uses: sql.change
          when: "${{ steps.count.outputs.rowCount > 5 }}"
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE status = 'stale'"]
            expectRows: 3
        - id: tell
          uses: notify
          when: "${{ steps.count.outputs.rowCount <= 5 }}"
          with: { text: "nothing purged: ${{ steps.count.outputs.rowCount }} stale rows" }
      """;

  /** A change, a query, and an assert on the query that fails (the fake query returns 3 rows). */
  static final String VERIFY =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: verify, version: 1 }
      environments: [stage]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
          compensate:
            uses: sql.restore
            with: { database: platform, backup: "${{ steps.fix.outputs.backupTable }}" }
        - id: check
          uses: sql.query
          with:
            database: platform
            query: "SELECT id FROM invoices WHERE status = 'open' AND id = 1"
        - id: gone
          uses: assert
          with: { that: "${{ steps.check.outputs.rowCount == 0 }}", message: "invoice 1 is still open" }
      finally:
        - uses: notify
          with: { text: "verify ${{ run.status }}" }
      """;

  /** Notify, wait 15 minutes (a durable timer), notify. */
  static final String DRAIN =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: drain, version: 1 }
      environments: [stage]
      steps:
        - id: announce
          uses: notify
          with: { text: "draining in 15 minutes" }
        - id: hold
          uses: wait
          with: { duration: 15m }
        - id: done
          uses: notify
          with: { text: "drained" }
      """;

  /** An address allowed, a lease held for the launcher, the address revoked. */
  static final String HOLD =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: hold, version: 1 }
      environments: [stage]
      steps:
        - id: allow
          uses: aws.ec2.allow-ingress
          with: { cidr: 203.0.113.7/32 }
        - id: access
          uses: lease
          with: { ttl: 1h, maxTtl: 2h, heartbeatTimeout: 2m }
        - id: revoke
          uses: aws.ec2.revoke-ingress
          with:
            securityGroup: "${{ steps.allow.outputs.securityGroupId }}"
            cidr: "${{ steps.allow.outputs.cidr }}"
            port: "${{ steps.allow.outputs.port }}"
      """;

  /**
   * A change behind an approval step, then a query; {@code finally} reports what the main body did.
   * Run where stage sends automatic notices ({@link #NOTICES}).
   */
  static final String ANNOUNCED =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: announced, version: 1 }
      environments: [stage]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void' WHERE id = 1"]
            expectRows: 1
          compensate:
            uses: sql.restore
            with: { database: platform, backup: "${{ steps.fix.outputs.backupTable }}" }
        - id: ok
          uses: approval
          with: { approvers: { group: db-leads }, shows: [fix], timeout: 2h, message: "check invoice 1" }
        - id: check
          uses: sql.query
          with:
            database: platform
            query: "SELECT id FROM invoices WHERE status = 'open' AND id = 1"
      finally:
        - id: report
          uses: notify
          with:
            text: "fix ${{ steps.fix.status }} (${{ steps.fix.outputs.rowsAffected }} rows), check ${{ steps.check.status }}"
      """;

  /** Stage's notification settings for the automatic-notice scenarios: every event, the log. */
  static final String NOTICES =
      """
      notifications: { defaultChannel: "#db-ops" }
      """;

  static final List<Scenario> ALL =
      List.of(
          new Scenario(
              "happy-path",
              ACCESS,
              "prod",
              List.of(),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                approve(wf, "stage/ok", "alice", plan);
                WorkflowHarness.awaitGate(wf, "promote@prod");
                approve(wf, "promote@prod", "carol", plan);
                WorkflowHarness.awaitGate(wf, "prod/ok");
                // The last approval as a signal, so the history holds both ways of deciding.
                wf.decideSignal(
                    new ApprovalDecision("prod/ok", "bob", Decision.APPROVE, "ok", plan.hash()));
              },
              RunStatus.COMPLETED),
          new Scenario(
              "rejection-compensation",
              ACCESS,
              "stage",
              List.of(),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                wf.decide(
                    new ApprovalDecision(
                        "stage/ok", "bob", Decision.REJECT, "wrong rows", plan.hash()));
              },
              RunStatus.REJECTED),
          new Scenario(
              "gate-timeout",
              ACCESS,
              "stage",
              List.of(),
              (wf, plan) -> WorkflowHarness.awaitGate(wf, "stage/ok"),
              RunStatus.TIMED_OUT),
          new Scenario(
              "cancel",
              ACCESS,
              "prod",
              List.of(),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                approve(wf, "stage/ok", "bob", plan);
                WorkflowHarness.awaitGate(wf, "promote@prod");
                wf.cancel(new CancelRequest("erin", "wrong ticket"));
              },
              RunStatus.CANCELLED),
          new Scenario(
              "workflow-cancel",
              ACCESS,
              "prod",
              List.of(),
              (wf, plan) -> {
                // Temporal's own cancel (UI, `temporal workflow cancel`), not the cancel signal.
                WorkflowHarness.awaitGate(wf, "stage/ok");
                WorkflowStub.fromTyped(wf).cancel();
              },
              RunStatus.CANCELLED),
          new Scenario(
              "failing-undo",
              ACCESS,
              "stage",
              List.of("stage:sql.restore:fix"),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                wf.decide(
                    new ApprovalDecision("stage/ok", "bob", Decision.REJECT, "no", plan.hash()));
              },
              RunStatus.COMPENSATION_INCOMPLETE),
          new Scenario(
              "step-failure",
              ACCESS,
              "prod",
              List.of("stage:sql.change:fix@apply"),
              (wf, plan) -> {},
              RunStatus.FAILED),
          new Scenario(
              "when-skips", CLEANUP, "stage", List.of(), (wf, plan) -> {}, RunStatus.COMPLETED),
          new Scenario(
              "assert-failure", VERIFY, "stage", List.of(), (wf, plan) -> {}, RunStatus.FAILED),
          new Scenario(
              "wait-step", DRAIN, "stage", List.of(), (wf, plan) -> {}, RunStatus.COMPLETED),
          new Scenario(
              "lease-released",
              HOLD,
              "stage",
              List.of(),
              (wf, plan) -> {
                String holder = RecordHistories.LAUNCHER;
                LeaseWorkflowTest.awaitLease(wf, holder);
                wf.lease(new LeaseRequest(LeaseRequest.Action.EXTEND, holder, 30 * 60_000L));
                wf.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, holder, 0));
              },
              RunStatus.COMPLETED),
          new Scenario(
              "lease-heartbeat-lost",
              HOLD,
              "stage",
              List.of(),
              (wf, plan) -> LeaseWorkflowTest.awaitLease(wf, RecordHistories.LAUNCHER),
              RunStatus.COMPLETED),
          new Scenario(
              "auto-notices",
              ANNOUNCED,
              "stage",
              List.of(),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                approve(wf, "stage/ok", "alice", plan);
              },
              RunStatus.COMPLETED,
              NOTICES),
          new Scenario(
              "auto-notices-failed",
              ANNOUNCED,
              "stage",
              List.of("stage:sql.change:fix@apply"),
              (wf, plan) -> {},
              RunStatus.FAILED,
              NOTICES),
          new Scenario(
              "auto-notices-undo-failed",
              ANNOUNCED,
              "stage",
              List.of("stage:sql.restore:fix"),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                wf.decide(
                    new ApprovalDecision("stage/ok", "bob", Decision.REJECT, "no", plan.hash()));
              },
              RunStatus.COMPENSATION_INCOMPLETE,
              NOTICES),
          new Scenario(
              "refused-approvals",
              ACCESS,
              "stage",
              List.of(),
              (wf, plan) -> {
                WorkflowHarness.awaitGate(wf, "stage/ok");
                // Refused updates are accepted, recorded in the run and failed with the reason.
                refused(
                    wf,
                    new ApprovalDecision("stage/ok", "mallory", Decision.APPROVE, "", plan.hash()));
                refused(
                    wf,
                    new ApprovalDecision("stage/ok", "bob", Decision.APPROVE, "", "0".repeat(64)));
                refused(
                    wf,
                    new ApprovalDecision("promote@prod", "bob", Decision.APPROVE, "", plan.hash()));
                approve(wf, "stage/ok", "alice", plan);
              },
              RunStatus.COMPLETED));

  private static void refused(RunbookWorkflow wf, ApprovalDecision decision) {
    try {
      wf.decide(decision);
      fail("counted, should be refused: " + decision);
    } catch (io.temporal.client.WorkflowUpdateException expected) {
      // refused, as it should be
    }
  }

  private static void approve(RunbookWorkflow wf, String gate, String who, Plan plan) {
    ApprovalAnswer answer =
        wf.decide(new ApprovalDecision(gate, who, Decision.APPROVE, "looks right", plan.hash()));
    if (!answer.gateOpened()) {
      fail("gate " + gate + " did not open: " + answer.message());
    }
  }

  static Scenario named(String name) {
    return ALL.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no scenario " + name));
  }

  /** Wall-clock bound for one recorded run (time skipping makes gate timeouts instant). */
  static final Duration RUN_LIMIT = Duration.ofSeconds(60);
}
