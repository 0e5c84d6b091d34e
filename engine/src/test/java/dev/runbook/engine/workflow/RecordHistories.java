package dev.runbook.engine.workflow;

import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestEnvironmentOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Records the histories {@link HistoryReplayTest} replays: runs each {@link HistoryScenarios}
 * scenario through the interpreter on the time-skipping test server, checks it ended as expected,
 * and writes {@code <dir>/<scenario>.json} ({@code WorkflowExecutionHistory.toJson(true)}).
 *
 * <p>Not a test: run it on purpose (see {@code src/test/resources/histories/README.md}):
 *
 * <pre>{@code
 * ./mvnw -B -pl engine test-compile exec:java -Precord-histories [-Dhistories.only=cancel,wait-step]
 * }</pre>
 *
 * Arguments: the output directory, then optionally scenario names (default: all).
 */
public final class RecordHistories {
  /** Fixed so that re-recording changes as little as possible. */
  static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  static final String IDENTITY = "history-recorder";
  static final String LAUNCHER = "erin";

  private RecordHistories() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: RecordHistories <output dir> [scenario ...]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    List<HistoryScenarios.Scenario> named =
        Arrays.stream(args, 1, args.length)
            .filter(Objects::nonNull) // an empty -Dhistories.only comes as null
            .flatMap(a -> Arrays.stream(a.split(",")))
            .map(String::trim)
            .filter(a -> !a.isEmpty())
            .map(HistoryScenarios::named)
            .toList();
    List<HistoryScenarios.Scenario> scenarios = named.isEmpty() ? HistoryScenarios.ALL : named;
    Files.createDirectories(dir);
    for (HistoryScenarios.Scenario scenario : scenarios) {
      WorkflowExecutionHistory history = record(scenario);
      Path file = dir.resolve(scenario.name() + ".json");
      Files.writeString(file, history.toJson(true) + "\n", StandardCharsets.UTF_8);
      System.out.printf(
          "%-24s %3d events -> %s%n", scenario.name(), history.getEvents().size(), file);
    }
  }

  /** Runs the scenario to its end and returns its history; fails if it ended otherwise. */
  static WorkflowExecutionHistory record(HistoryScenarios.Scenario scenario) throws Exception {
    TestEnvironmentOptions options =
        TestEnvironmentOptions.newBuilder()
            .setInitialTime(START)
            .setWorkflowClientOptions(
                WorkflowClientOptions.newBuilder().setIdentity(IDENTITY).build())
            .build();
    try (WorkflowHarness harness = new WorkflowHarness(options)) {
      harness.activities.failing.addAll(scenario.failing());
      Plan plan = scenario.plan();
      RunbookWorkflow wf = harness.start(scenario.workflowId(), plan, LAUNCHER);
      scenario.driver().drive(wf, plan);
      RunView view;
      try {
        view =
            WorkflowStub.fromTyped(wf)
                .getResult(HistoryScenarios.RUN_LIMIT.toSeconds(), TimeUnit.SECONDS, RunView.class);
      } catch (WorkflowFailedException e) {
        if (!(e.getCause() instanceof CanceledFailure)) {
          throw e;
        }
        // Cancelled through Temporal: the run closes as canceled, without a result; its last
        // state is still there to query.
        view = wf.view();
      }
      if (view.status() != scenario.expected()) {
        throw new IllegalStateException(
            scenario.name()
                + " ended "
                + view.status()
                + " ("
                + view.failure()
                + "), expected "
                + scenario.expected()
                + "; not recording it");
      }
      return harness.client().fetchHistory(scenario.workflowId());
    }
  }
}
