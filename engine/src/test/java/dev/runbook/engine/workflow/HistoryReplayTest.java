package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowHistoryLoader;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.NonDeterministicException;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/**
 * Replays the stored histories of real runs (src/test/resources/histories, recorded by {@link
 * RecordHistories}) with the interpreter as it is now. A change to the workflow code that would
 * break runs in flight (another command, another order, another activity) fails here; such changes
 * go behind {@code Workflow.getVersion}, as the last test shows.
 */
class HistoryReplayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The Java SDK's code for "history and workflow code disagree". */
  private static final String NON_DETERMINISM = "[TMPRL1100]";

  /**
   * How long a replayed workflow thread may run without yielding before the SDK calls it a deadlock
   * (its default is 1 s). The first replays load classes and serialise a plan for the first time,
   * which takes longer than 1 s on a loaded CI machine; 10 s still catches workflow code that
   * blocks.
   */
  static final Duration REPLAY_DEADLOCK_LIMIT = Duration.ofSeconds(10);

  private static TestWorkflowEnvironment replayEnvironment;
  private static final Map<Class<?>, Worker> REPLAYERS = new HashMap<>();

  @BeforeAll
  static void startReplayEnvironment() {
    replayEnvironment = TestWorkflowEnvironment.newInstance();
  }

  @AfterAll
  static void closeReplayEnvironment() {
    REPLAYERS.clear();
    replayEnvironment.close();
  }

  /** Replays a history with one workflow implementation (a worker of its own, never started). */
  static void replay(WorkflowExecutionHistory history, Class<?> implementation) throws Exception {
    Worker worker =
        REPLAYERS.computeIfAbsent(
            implementation,
            type -> {
              Worker w =
                  replayEnvironment.newWorker(
                      "replay-" + type.getSimpleName(),
                      WorkerOptions.newBuilder()
                          .setDefaultDeadlockDetectionTimeout(REPLAY_DEADLOCK_LIMIT.toMillis())
                          .build());
              w.registerWorkflowImplementationTypes(type);
              return w;
            });
    WorkflowReplayer.replayWorkflowExecution(history, worker);
  }

  /**
   * The stored histories, sorted; fails when there are none (a replay of nothing proves nothing).
   */
  static List<Path> historyFiles() throws IOException, URISyntaxException {
    URL dir = HistoryReplayTest.class.getResource("/histories");
    if (dir == null) {
      fail("no histories directory on the test classpath (src/test/resources/histories)");
    }
    return historyFiles(Path.of(dir.toURI()));
  }

  static List<Path> historyFiles(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    if (files.isEmpty()) {
      fail(
          dir
              + " holds no *.json history: record them (see src/test/resources/histories/README.md)");
    }
    return files;
  }

  static WorkflowExecutionHistory load(Path file) throws IOException {
    return WorkflowHistoryLoader.readHistory(file.toFile());
  }

  static WorkflowExecutionHistory stored(String scenario) throws Exception {
    return load(
        historyFiles().stream()
            .filter(p -> p.getFileName().toString().equals(scenario + ".json"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no stored history for " + scenario)));
  }

  @TestFactory
  Stream<DynamicTest> everyStoredHistoryReplaysWithTheCurrentInterpreter() throws Exception {
    return historyFiles().stream()
        .map(
            file ->
                DynamicTest.dynamicTest(
                    file.getFileName().toString(),
                    () -> replay(load(file), RunbookWorkflowImpl.class)));
  }

  @Test
  void anEmptyHistoriesDirectoryFails(@TempDir Path empty) throws IOException {
    Files.writeString(empty.resolve("README.md"), "not a history");
    AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> historyFiles(empty));
    assertTrue(e.getMessage().contains("holds no *.json history"), e.getMessage());
  }

  @Test
  void everyScenarioHasAStoredHistory() throws Exception {
    List<String> stored = historyFiles().stream().map(p -> p.getFileName().toString()).toList();
    for (HistoryScenarios.Scenario scenario : HistoryScenarios.ALL) {
      assertTrue(
          stored.contains(scenario.name() + ".json"),
          "no stored history for scenario " + scenario.name() + "; record it (see the README)");
    }
  }

  /** A history is only worth replaying if the run it records ended the way its scenario says. */
  @Test
  void everyStoredHistoryEndedAsItsScenarioExpects() throws Exception {
    for (HistoryScenarios.Scenario scenario : HistoryScenarios.ALL) {
      WorkflowExecutionHistory history = stored(scenario.name());
      HistoryEvent last = history.getLastEvent();
      if (last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED) {
        assertEquals(RunStatus.CANCELLED, scenario.expected(), scenario.name());
        continue;
      }
      assertEquals(
          EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, last.getEventType(), scenario.name());
      JsonNode result =
          JSON.readTree(
              last.getWorkflowExecutionCompletedEventAttributes()
                  .getResult()
                  .getPayloads(0)
                  .getData()
                  .toString(StandardCharsets.UTF_8));
      assertEquals(scenario.expected().name(), result.path("status").asText(), scenario.name());
    }
  }

  @Test
  void theHistoriesCoverApprovalsByUpdateAndSignalTimersAndFailedActivities() throws Exception {
    List<EventType> seen =
        historyFiles().stream()
            .flatMap(
                f -> {
                  try {
                    return load(f).getEvents().stream().map(HistoryEvent::getEventType);
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                })
            .distinct()
            .toList();
    for (EventType needed :
        List.of(
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            EventType.EVENT_TYPE_TIMER_FIRED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
            EventType.EVENT_TYPE_MARKER_RECORDED,
            EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)) {
      assertTrue(seen.contains(needed), "no stored history has " + needed);
    }
  }

  /** The replay test can fail: an unversioned extra activity breaks every stored run. */
  @Test
  void anUnversionedExtraActivityIsReportedAsNonDeterministic() throws Exception {
    for (String scenario : List.of("happy-path", "wait-step")) {
      Exception e =
          assertThrows(
              Exception.class,
              () -> replay(stored(scenario), ExtraActivityWorkflow.class),
              scenario);
      // The replayer reports it as a failed replay query whose message carries the SDK's
      // NonDeterministicException ([TMPRL1100]); accept it chained as well.
      assertTrue(
          causes(e)
              .anyMatch(
                  t ->
                      t instanceof NonDeterministicException
                          || String.valueOf(t.getMessage()).contains(NON_DETERMINISM)),
          scenario + ": expected a non-determinism error, got " + e);
      // It names the first place history and code part: the extra command, or (in runs with
      // an audit trail) the audit batch the history has where the code now schedules it.
      assertTrue(
          e.getMessage().contains("COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK")
              || e.getMessage().contains("Local activity of type audit.record"),
          scenario + ": the error should name the extra command: " + e.getMessage());
    }
  }

  /** The same change behind {@code Workflow.getVersion} replays: old runs keep the old path. */
  @Test
  void theSameChangeBehindGetVersionReplays() throws Exception {
    for (Path file : historyFiles()) {
      replay(load(file), VersionedExtraActivityWorkflow.class);
    }
  }

  private static Stream<Throwable> causes(Throwable e) {
    return Stream.iterate(e, t -> t != null, Throwable::getCause);
  }

  /**
   * The interpreter with one engine change that forgot {@code getVersion}: a notify before the run
   * starts. Everything else is the real interpreter.
   */
  public static class ExtraActivityWorkflow extends ForwardingWorkflow {
    static final String EXTRA = "notify";

    @Override
    public RunView run(RunRequest request) {
      announce(request);
      return interpreter.run(request);
    }

    /** Schedules one more activity than the interpreter does. */
    static void announce(RunRequest request) {
      String id = Workflow.getInfo().getWorkflowId();
      Workflow.newUntypedActivityStub(
              ActivityOptions.newBuilder()
                  .setTaskQueue(request.plan().stages().get(0).taskQueue())
                  .setStartToCloseTimeout(Duration.ofMinutes(1))
                  .build())
          .execute(
              EXTRA,
              StepResult.class,
              new StepRequest(
                  id,
                  request.plan().runbook().name(),
                  request.plan().stages().get(0).environment(),
                  "announce",
                  EXTRA,
                  null,
                  request.plan().hash(),
                  request.launcher(),
                  id + "/announce"));
    }
  }

  /** The same change done right: new runs announce, runs started before the change do not. */
  public static class VersionedExtraActivityWorkflow extends ForwardingWorkflow {
    @Override
    public RunView run(RunRequest request) {
      if (Workflow.getVersion("announce-before-run", Workflow.DEFAULT_VERSION, 1) == 1) {
        ExtraActivityWorkflow.announce(request);
      }
      return interpreter.run(request);
    }
  }

  /** Forwards the handlers to the real interpreter (delegation: no subclass of it). */
  abstract static class ForwardingWorkflow implements RunbookWorkflow {
    final RunbookWorkflowImpl interpreter = new RunbookWorkflowImpl();

    @Override
    public ApprovalAnswer decide(ApprovalDecision decision) {
      return interpreter.decide(decision);
    }

    @Override
    public void validateDecide(ApprovalDecision decision) {
      interpreter.validateDecide(decision);
    }

    @Override
    public void decideSignal(ApprovalDecision decision) {
      interpreter.decideSignal(decision);
    }

    @Override
    public void cancel(CancelRequest request) {
      interpreter.cancel(request);
    }

    @Override
    public RunView view() {
      return interpreter.view();
    }

    @Override
    public LeaseAnswer lease(LeaseRequest request) {
      return interpreter.lease(request);
    }

    @Override
    public void validateLease(LeaseRequest request) {
      interpreter.validateLease(request);
    }
  }
}
