package dev.runbook.worker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.faults.CrashCluster.WorkerProcessHandle;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker as a separate OS process, SIGKILLed at every step boundary and in the middle of every
 * step of {@code runbooks/emergency-data-fix.yaml} and {@code runbooks/pitr-rollback.yaml} on
 * {@code local}, then started again: every run ends as it would have without the kills, every data
 * change is applied exactly once (the ledger's rows, the tables' checksums) and every compensation
 * and {@code finally} step still runs.
 *
 * <p>Kill points, each fired once (see {@link CrashingWorkerMain}): {@code before} a step's
 * activity acts (the boundary after the previous step), {@code after} it acted and committed but
 * before Temporal has its result (so the retry must find the ledger), in the middle of a {@code
 * sql.change} transaction (its row locks held up by a table lock the test takes, the worker killed
 * while it waits), in the middle of a restore (recorded in the local provider's registry, its copy
 * held up by a session the test keeps on the snapshot) and while a run waits at a gate (the
 * approval arrives while no worker runs). The plans are compiled as {@code runbook run} compiles
 * them, with the runbooks' own timeouts: a killed attempt stops heartbeating and Temporal retries
 * it after {@code STEP_HEARTBEAT_TIMEOUT} (30 s). A step has 3 attempts, so no run kills one step
 * more than twice.
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class WorkerCrashTest {
  private static CrashCluster cluster;
  private static final List<String> failures = new CopyOnWriteArrayList<>();
  private static final AtomicInteger kills = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    cluster = new CrashCluster();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One run's kill points. */
  private record Scenario(
      String name,
      List<String> points,
      Set<String> gateKills,
      String midGate,
      String midTable,
      String[] drift,
      String[] midCopy) {
    static Scenario at(String name, String... points) {
      return new Scenario(name, List.of(points), Set.of(), null, null, null, null);
    }

    Scenario killAtGate(String gate) {
      return new Scenario(name, points, Set.of(gate), midGate, midTable, drift, midCopy);
    }

    Scenario killMidChange(String gate, String table) {
      return new Scenario(name, points, gateKills, gate, table, drift, midCopy);
    }

    /** {@code database, statement}: run while the first gate is open, after the preview. */
    Scenario driftAtGate(String database, String statement) {
      return new Scenario(
          name, points, gateKills, midGate, midTable, new String[] {database, statement}, midCopy);
    }

    /** Kills the worker while {@code step} waits to copy {@code database}'s newest snapshot. */
    Scenario killMidCopy(String database, String step) {
      return new Scenario(
          name, points, gateKills, midGate, midTable, drift, new String[] {database, step});
    }

    int count() {
      return points.size()
          + gateKills.size()
          + (midGate == null ? 0 : 1)
          + (midCopy == null ? 0 : 1);
    }
  }

  @Test
  void everyRunSurvivesSigkillOfItsWorkerAtEveryStepBoundaryAndMidStep() throws Exception {
    long started = System.nanoTime();
    // two lanes side by side: each database is locked by one change run at a time
    ExecutorService lanes = Executors.newFixedThreadPool(2);
    try {
      Future<?> platform = lanes.submit(() -> check("platform lane", this::platformLane));
      Future<?> invoicing = lanes.submit(() -> check("invoicing lane", this::invoicingLane));
      platform.get(1100, TimeUnit.SECONDS);
      invoicing.get(1100, TimeUnit.SECONDS);
    } finally {
      lanes.shutdownNow();
    }
    String line =
        "worker crash test: "
            + kills
            + " kill points tried in "
            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)
            + "s, "
            + failures.size()
            + " failures"
            + (failures.isEmpty() ? "" : ":\n  " + String.join("\n  ", failures));
    System.out.println(line);
    assertEquals(List.of(), failures, line);
  }

  /**
   * The platform lane: emergency-data-fix with kills at every boundary, mid-transaction and in two
   * failing variants, then pitr-rollback's last boundaries (cleanup, report) on platform. The lanes
   * hold about as many kills each, since each kill costs a heartbeat timeout.
   */
  private void platformLane() throws Exception {
    Path envs = cluster.environments("platform");
    String ok = table("platform", "crash_fix_ok");
    String mid = table("platform", "crash_fix_mid");
    String bad = table("platform", "crash_fix_bad");
    String drifted = table("platform", "crash_fix_drift");
    String okAfter = expectedAfterFix(ok);

    check(
        "emergency-data-fix, every boundary",
        () -> {
          String runId = "emergency-data-fix-local-OPS-901";
          RunView view =
              drive(
                  envs,
                  runId,
                  cluster.plan(envs, "emergency-data-fix.yaml", fixParams(ok, "OPS-901", false)),
                  Scenario.at(
                          "fix",
                          "fix/sql.change/preview/before",
                          "fix/sql.change/preview/after",
                          "fix/sql.change/apply/before",
                          "fix/sql.change/apply/after",
                          "notify/notify/run/before",
                          "notify/notify/run/after")
                      .killAtGate("local/fix"));
          assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
          assertFixedOnce("platform", ok, okAfter, runId, "fix");
          assertFinally(view, "notify");
        });
    check(
        "emergency-data-fix, mid-transaction",
        () -> {
          String runId = "emergency-data-fix-local-OPS-902";
          String after = expectedAfterFix(mid);
          RunView view =
              drive(
                  envs,
                  runId,
                  cluster.plan(envs, "emergency-data-fix.yaml", fixParams(mid, "OPS-902", false)),
                  Scenario.at("mid").killMidChange("local/fix", "platform." + mid));
          assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
          assertFixedOnce("platform", mid, after, runId, "fix");
          assertFinally(view, "notify");
        });
    check(
        "emergency-data-fix, failing verify",
        () -> {
          String runId = "emergency-data-fix-local-OPS-903";
          String before = cluster.checksum("platform", bad);
          RunView view =
              drive(
                  envs,
                  runId,
                  cluster.plan(envs, "emergency-data-fix.yaml", fixParams(bad, "OPS-903", true)),
                  Scenario.at("bad", "fix/sql.change/preview/after", "notify/notify/run/before"));
          assertEquals(RunStatus.FAILED, view.status(), view.failure());
          assertEquals(before, cluster.checksum("platform", bad), "the failed fix changed rows");
          assertEquals(0, ledgerRows("platform", runId, "fix"));
          assertFinally(view, "notify");
        });
    check(
        "emergency-data-fix, rows changed after the review",
        () -> {
          String runId = "emergency-data-fix-local-OPS-904";
          String drift = "UPDATE " + drifted + " SET customer = 'renamed' WHERE id = 1";
          String expected = expectedAfter(drifted, drift);
          RunView view =
              drive(
                  envs,
                  runId,
                  cluster.plan(
                      envs, "emergency-data-fix.yaml", fixParams(drifted, "OPS-904", false)),
                  Scenario.at("drift", "fix/sql.change/apply/after", "notify/notify/run/before")
                      .driftAtGate("platform", drift));
          assertEquals(RunStatus.FAILED, view.status(), view.failure());
          assertTrue(view.failure().contains("changed"), view.failure());
          assertEquals(
              expected, cluster.checksum("platform", drifted), "the refused fix changed rows");
          assertEquals(0, ledgerRows("platform", runId, "fix"));
          assertFinally(view, "notify");
        });
    pitrRollback(
        envs,
        "platform",
        List.of(
            new Pitr(
                "OPS-921",
                "crash_pitr_late",
                false,
                Scenario.at(
                    "boundaries of cleanup and report",
                    "cleanup/aws.rds.delete/run/before",
                    "cleanup/aws.rds.delete/run/after",
                    "report/notify/run/before",
                    "report/notify/run/after"))));
  }

  /**
   * The invoicing lane: pitr-rollback's boundaries up to its apply, mid-copy, mid-transaction, and
   * a failing variant killed in its compensation.
   */
  private void invoicingLane() throws Exception {
    pitrRollback(
        cluster.environments("invoicing"),
        "invoicing",
        List.of(
            new Pitr(
                "OPS-911",
                "crash_pitr_early",
                false,
                Scenario.at(
                    "boundaries of restore, extract and keep",
                    "restore/aws.rds.restore-pitr/run/before",
                    "restore/aws.rds.restore-pitr/run/after",
                    "extract/sql.query/run/before",
                    "extract/sql.query/run/after",
                    "keep/sql.export/run/before",
                    "keep/sql.export/run/after")),
            new Pitr(
                "OPS-914",
                "crash_pitr_apply",
                false,
                Scenario.at(
                        "boundaries of apply",
                        "apply/sql.change/preview/before",
                        "apply/sql.change/preview/after",
                        "apply/sql.change/apply/before",
                        "apply/sql.change/apply/after")
                    .killAtGate("local/apply")),
            new Pitr(
                "OPS-915",
                "crash_pitr_copy",
                false,
                Scenario.at("mid-copy").killMidCopy("invoicing", "restore")),
            new Pitr(
                "OPS-912",
                "crash_pitr_mid",
                false,
                Scenario.at("mid-transaction")
                    .killMidChange("local/apply", "invoicing.crash_pitr_mid")),
            new Pitr(
                "OPS-913",
                "crash_pitr_bad",
                true,
                Scenario.at(
                    "failing verify, killed in its compensation",
                    "apply/sql.change/preview/after",
                    "restore/aws.rds.delete/run/before",
                    "restore/aws.rds.delete/run/after",
                    "report/notify/run/before"))));
  }

  /** A pitr-rollback run of one lane: its ticket, its table, whether its verify fails. */
  private record Pitr(String ticket, String table, boolean failing, Scenario scenario) {}

  /**
   * Tables for {@code runs} in {@code database}, a snapshot (by a worker that is not killed), the
   * damage (invoices 1 and 2 zeroed), then each pitr-rollback run with its kill points.
   */
  private void pitrRollback(Path envs, String database, List<Pitr> runs) throws Exception {
    Map<String, String> good = new LinkedHashMap<>();
    for (Pitr run : runs) {
      table(database, run.table());
      good.put(run.table(), cluster.checksum(database, run.table()));
    }
    String ticket = database.equals("platform") ? "OPS-920" : "OPS-910";
    RunView snapshot =
        drive(
            envs,
            "snapshot-local-" + ticket,
            cluster.plan(envs, "snapshot.yaml", Map.of("database", database, "ticket", ticket)),
            Scenario.at("snapshot"));
    assertEquals(RunStatus.COMPLETED, snapshot.status(), snapshot.failure());
    Thread.sleep(1100); // restoreTo is whole seconds: after the snapshot, before the damage
    Instant restoreTo = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Thread.sleep(50);
    for (Pitr run : runs) {
      cluster.exec(database, "UPDATE " + run.table() + " SET total = 0 WHERE id IN (1, 2)");
    }
    for (Pitr run : runs) {
      check(
          "pitr-rollback on " + database + ", " + run.scenario().name(),
          () -> {
            String runId = "pitr-rollback-local-" + run.ticket();
            String damaged = cluster.checksum(database, run.table());
            RunView view =
                drive(
                    envs,
                    runId,
                    cluster.plan(
                        envs,
                        "pitr-rollback.yaml",
                        pitrParams(database, run.table(), restoreTo, run.ticket(), run.failing())),
                    run.scenario());
            if (run.failing()) {
              assertEquals(RunStatus.FAILED, view.status(), view.failure());
              assertEquals(
                  damaged,
                  cluster.checksum(database, run.table()),
                  "the failed apply changed live");
              assertEquals(0, ledgerRows(database, runId, "apply"));
              List<CompensationRecord> undos = view.compensations();
              assertEquals(1, undos.size(), undos.toString());
              assertEquals("aws.rds.delete", undos.get(0).uses());
              assertEquals("restore", undos.get(0).forStep());
              assertEquals(StepOutcome.COMPLETED, undos.get(0).outcome(), undos.get(0).message());
            } else {
              assertEquals(RunStatus.COMPLETED, view.status(), view.failure());
              assertEquals(
                  good.get(run.table()),
                  cluster.checksum(database, run.table()),
                  "live not as it was: not applied exactly once");
              assertEquals(1, ledgerRows(database, runId, "apply"));
              assertEquals(List.of(), view.compensations());
            }
            assertNoRestoredCopy(run.ticket());
            assertFinally(view, "report");
          });
    }
  }

  private interface Check {
    void run() throws Exception;
  }

  private static void check(String name, Check check) {
    try {
      check.run();
      System.out.println("ok: " + name);
    } catch (Exception | AssertionError e) {
      failures.add(name + ": " + e);
      e.printStackTrace();
    }
  }

  // --- the runs ---

  /** {@code id 1..3} with totals 10.00, 20.50, 7.25 in a new table of {@code database}. */
  private static String table(String database, String name) {
    cluster.exec(
        database,
        "CREATE TABLE " + name + " (id integer PRIMARY KEY, customer text, total numeric(10,2))",
        "INSERT INTO "
            + name
            + " VALUES (1, 'acme', 10.00), (2, 'globex', 20.50), (3, 'initech', 7.25)");
    return name;
  }

  /** The checksum after the fix (invoice 1 plus 1.00) would have run exactly once. */
  private static String expectedAfterFix(String t) {
    return expectedAfter(t, "UPDATE " + t + " SET total = total + 1 WHERE id = 1");
  }

  /** The checksum of {@code t} after {@code update} (naming {@code t}) would have run once. */
  private static String expectedAfter(String t, String update) {
    String copy = t + "_expected";
    cluster.exec(
        "platform",
        "CREATE TABLE " + copy + " AS SELECT * FROM " + t,
        update.replace("UPDATE " + t + " ", "UPDATE " + copy + " "));
    String sum = cluster.checksum("platform", copy);
    cluster.exec("platform", "DROP TABLE " + copy);
    return sum;
  }

  /** A fix adding 1.00 to invoice 1 (not idempotent: twice would show); a failing verify. */
  private static Map<String, String> fixParams(String t, String ticket, boolean failing) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", "platform");
    params.put("change", "UPDATE " + t + " SET total = total + 1 WHERE id = :id");
    params.put("bind", "{\"id\": 1}");
    params.put("expectRows", "1");
    params.put(
        "verify",
        failing
            ? "SELECT id FROM " + t + " WHERE id = :id"
            : "SELECT id FROM " + t + " WHERE id = :id AND total <> 11.00");
    params.put("ticket", ticket);
    return params;
  }

  /** Writes the restored totals back by ADDING them to the zeroed ones: twice would show. */
  private static Map<String, String> pitrParams(
      String database, String t, Instant restoreTo, String ticket, boolean failing) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("database", database);
    params.put("restoreTo", restoreTo.toString());
    params.put("extract", "SELECT id, total FROM " + t + " WHERE id = ANY(CAST(:ids AS int[]))");
    params.put("bind", "{\"ids\": \"{1,2}\"}");
    params.put(
        "apply",
        "UPDATE "
            + t
            + " AS i SET total = i.total + (r.value->>1)::numeric FROM"
            + " jsonb_array_elements(CAST(:rows AS jsonb)) AS r WHERE i.id = (r.value->>0)::int");
    params.put(
        "verify",
        "SELECT i.id FROM "
            + t
            + " AS i JOIN jsonb_array_elements(CAST(:rows AS jsonb)) AS r ON i.id ="
            + " (r.value->>0)::int"
            + (failing ? "" : " WHERE i.total IS DISTINCT FROM (r.value->>1)::numeric"));
    params.put("ticket", ticket);
    return params;
  }

  // --- the driver ---

  /**
   * Launches the run and serves it with worker processes until it ends: kills the worker at each of
   * the scenario's points, decides every gate (approve, by bob), and returns the run's final view.
   */
  private RunView drive(Path envs, String runId, Plan plan, Scenario scenario) throws Exception {
    WorkflowClient client = cluster.connection.client();
    RunbookWorkflow start =
        client.newWorkflowStub(
            RunbookWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(runId)
                .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                .build());
    for (int attempt = 1; ; attempt++) {
      try {
        WorkflowClient.start(start::run, new RunRequest(plan, "carol", runId));
        break;
      } catch (io.temporal.client.WorkflowExecutionAlreadyStarted e) {
        break; // an earlier attempt reached the server after all
      } catch (io.temporal.client.WorkflowServiceException e) {
        if (attempt == 5) { // a loaded machine: the test server may answer late
          throw e;
        }
        start =
            client.newWorkflowStub(
                RunbookWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(runId)
                    .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                    .build());
      }
    }
    RunbookWorkflow wf = client.newWorkflowStub(RunbookWorkflow.class, runId);
    CopyBlocker copy =
        scenario.midCopy() == null
            ? null
            : CopyBlocker.onNewestSnapshotOf(cluster, scenario.midCopy()[0]);

    List<String> points = scenario.points().stream().map(p -> runId + "/" + p).toList();
    Set<String> fired = new HashSet<>();
    Set<String> decided = new HashSet<>();
    StringBuilder outputs = new StringBuilder();
    WorkerProcessHandle worker = cluster.startWorker(envs, unfired(points, fired));
    int killed = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(480);
    try {
      while (true) {
        if (System.nanoTime() > deadline) {
          fail(
              scenario.name()
                  + ": the run did not end; its history: "
                  + history(client, runId)
                  + "\nworkers said:\n"
                  + outputs
                  + worker.output());
        }
        String hit =
            points.stream()
                .filter(p -> !fired.contains(p) && java.nio.file.Files.exists(cluster.marker(p)))
                .findFirst()
                .orElse(null);
        if (hit != null) {
          worker.kill();
          killed++;
          fired.add(hit);
          outputs.append(worker.output());
          worker = cluster.startWorker(envs, unfired(points, fired));
          continue;
        }
        if (copy != null && copy.holding() && copy.stepWaits(runId, scenario.midCopy()[1])) {
          worker.kill(); // recorded as creating, copy not made: the retry must find its record
          killed++;
          outputs.append(worker.output());
          copy.close();
          worker = cluster.startWorker(envs, unfired(points, fired));
          continue;
        }
        Boolean running = answer(() -> cluster.running(runId));
        if (running == null) {
          continue;
        }
        if (!running) {
          break;
        }
        if (!worker.process().isAlive()) { // e.g. it could not reach Temporal in time: again
          outputs.append(worker.output());
          worker = cluster.startWorker(envs, unfired(points, fired));
          continue;
        }
        if (!worker.ready()) {
          Thread.sleep(50);
          continue;
        }
        RunView view = answer(wf::view);
        if (view == null) {
          continue;
        }
        GateView gate =
            view.openGates().stream()
                .filter(g -> !decided.contains(g.id()))
                .findFirst()
                .orElse(null);
        if (gate == null) {
          Thread.sleep(50);
          continue;
        }
        decided.add(gate.id());
        if (scenario.drift() != null && decided.size() == 1) {
          cluster.exec(scenario.drift()[0], scenario.drift()[1]);
        }
        ApprovalDecision approve =
            new ApprovalDecision(gate.id(), "bob", Decision.APPROVE, "crash test", plan.hash());
        if (scenario.gateKills().contains(gate.id())) {
          worker.kill(); // the run waits at the gate with no worker; the approval comes meanwhile
          killed++;
          outputs.append(worker.output());
          // the approval arrives while no worker runs: a signal, recorded by Temporal alone
          for (int i = 0; i < 5; i++) {
            if (answer(
                    () -> {
                      wf.decideSignal(approve);
                      return true;
                    })
                != null) {
              break;
            }
          }
          worker = cluster.startWorker(envs, unfired(points, fired));
        } else if (gate.id().equals(scenario.midGate())) {
          worker = killMidChange(wf, approve, worker, scenario.midTable(), outputs);
          killed++;
          worker = cluster.startWorker(envs, unfired(points, fired));
        } else if (answer(() -> wf.decide(approve)) == null) {
          decided.remove(gate.id()); // no answer in time: ask again (a second one is refused)
        }
      }
      kills.addAndGet(killed);
      assertEquals(
          scenario.count(),
          killed,
          scenario.name()
              + ": kill points not reached: "
              + unfired(points, fired)
              + "\n"
              + outputs);
      return WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, RunView.class);
    } finally {
      if (copy != null) {
        copy.close();
      }
      worker.kill();
      if (cluster.running(runId)) {
        WorkflowStub.fromTyped(wf).terminate("the crash test gave up on it");
      }
    }
  }

  /**
   * The call's answer, or null when the test server did not answer in time (a loaded machine): the
   * caller asks again.
   */
  private static <T> T answer(java.util.function.Supplier<T> call) throws InterruptedException {
    try {
      return call.get();
    } catch (RuntimeException e) {
      Thread.sleep(200);
      return null;
    }
  }

  private static String history(WorkflowClient client, String runId) {
    StringBuilder text = new StringBuilder();
    for (var event : client.fetchHistory(runId).getEvents()) {
      text.append(event.getEventType().name().replace("EVENT_TYPE_", "")).append(' ');
      if (event.hasActivityTaskScheduledEventAttributes()) {
        text.append(event.getActivityTaskScheduledEventAttributes().getActivityType().getName())
            .append(' ');
      }
    }
    return text.toString();
  }

  private static List<String> unfired(List<String> points, Set<String> fired) {
    return points.stream().filter(p -> !fired.contains(p)).toList();
  }

  /**
   * Takes an EXCLUSIVE lock on {@code table} (reads go on, writes wait), approves, waits until the
   * worker's change waits for that lock inside its transaction (its {@code SELECT ... FOR UPDATE}
   * of the rows, after its ledger claim), SIGKILLs the worker there, then releases the lock and
   * waits until the orphaned database session has gone (rolled back).
   */
  private WorkerProcessHandle killMidChange(
      RunbookWorkflow wf,
      ApprovalDecision approve,
      WorkerProcessHandle worker,
      String table,
      StringBuilder outputs)
      throws Exception {
    String database = table.substring(0, table.indexOf('.'));
    String name = table.substring(table.indexOf('.') + 1);
    // watched from a second session: inside the lock's transaction pg_stat_activity would stay
    // the snapshot of its first read
    try (Connection lock = cluster.connect(database);
        Statement s = lock.createStatement();
        Connection watch = cluster.connect(database);
        Statement w = watch.createStatement()) {
      lock.setAutoCommit(false);
      s.execute("LOCK TABLE " + name + " IN EXCLUSIVE MODE");
      for (int i = 0; i < 5 && answer(() -> wf.decide(approve)) == null; i++) {
        // asked again: a loaded test server may answer late
      }
      long waiting = -1;
      for (int i = 0; i < 600 && waiting < 0; i++) {
        try (ResultSet r =
            w.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND pid <> pg_backend_pid() AND application_name LIKE 'runbook %'"
                    + " AND query ILIKE '%"
                    + name
                    + "%'")) {
          if (r.next()) {
            waiting = r.getLong(1);
          }
        }
        if (waiting < 0) {
          Thread.sleep(50);
        }
      }
      assertTrue(waiting > 0, "the change never waited on the lock:\n" + worker.output());
      worker.kill();
      outputs.append(worker.output());
      lock.rollback();
      for (int i = 0; i < 600; i++) {
        try (ResultSet r =
            w.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + waiting)) {
          r.next();
          if (r.getInt(1) == 0) {
            return worker;
          }
        }
        Thread.sleep(50);
      }
      return fail("the killed worker's session " + waiting + " did not end");
    }
  }

  // --- what must hold ---

  private static long ledgerRows(String database, String runId, String step) {
    return cluster.count(
        database,
        "SELECT count(*) FROM runbook_change_ledger WHERE run_id = ? AND step_id = ?",
        runId,
        step);
  }

  private static void assertFixedOnce(
      String database, String table, String expected, String runId, String step) {
    assertEquals(expected, cluster.checksum(database, table), "not applied exactly once");
    assertEquals(1, ledgerRows(database, runId, step), "ledger rows");
    assertEquals(
        1,
        cluster.count(
            database,
            "SELECT count(*) FROM runbook_backups WHERE run_id = ? AND step_id = ?",
            runId,
            step),
        "backup tables");
  }

  private static void assertNoRestoredCopy(String ticket) {
    long left =
        cluster.count(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname ILIKE ?",
            "%pitr%" + ticket.replaceAll("[^0-9]", "") + "%");
    assertEquals(0, left, "the restored copy of " + ticket + " is left");
  }

  private static void assertFinally(RunView view, String step) {
    StepRecord last =
        view.steps().stream()
            .filter(s -> s.stepId().equals(step))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("finally " + step + " did not run: " + view));
    assertEquals(StepOutcome.COMPLETED, last.outcome(), last.summary());
    assertFalse(view.status() == RunStatus.RUNNING);
  }
}
