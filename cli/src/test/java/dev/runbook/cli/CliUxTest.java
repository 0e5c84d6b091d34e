package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.plan.PlanJson;
import io.temporal.activity.Activity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's manners: {@code --output json} for scripts on plan, list and status; progress while a
 * followed run waits (redrawn on a terminal, a line per reported state elsewhere); colours only on
 * a terminal and never with NO_COLOR.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliUxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static TemporalFixture temporal;

  @TempDir Path dir;

  /** A snapshot that reports its state, as the AWS waits do, and takes a while. */
  static final class SlowSnapshot implements RdsActivities {
    @Override
    public StepResult snapshot(StepRequest request) {
      Activity.getExecutionContext().heartbeat("snapshot s1 of platform: creating (look 1)");
      TemporalFixture.sleep(java.time.Duration.ofMillis(2500));
      return new StepResult(JsonNodeFactory.instance.objectNode().put("snapshotId", "s1"), "done");
    }

    @Override
    public StepResult restorePitr(StepRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StepResult delete(StepRequest request) {
      throw new UnsupportedOperationException();
    }
  }

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.startWith(List.of(new SlowSnapshot()));
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  @Test
  void outputJsonOnPlanListAndStatusIsJsonForScripts() throws Exception {
    Cli.Result plan = Cli.run(Cli.planFix("prod", "--output", "json"));
    assertEquals(0, plan.exitCode(), plan.toString());
    assertEquals("prod", JSON.readTree(plan.out()).path("target").asText());
    assertEquals(
        PlanJson.hash(PlanJson.parse(plan.out())), JSON.readTree(plan.out()).path("hash").asText());

    temporal.run("carol", RunCommandTest.runDemo("DEMO-71", "--detach"));
    temporal.awaitGate("demo-local-DEMO-71", "local/review");

    Cli.Result status = temporal.run("alice", "status", "demo-local-DEMO-71", "--output", "json");
    assertEquals(0, status.exitCode(), status.toString());
    JsonNode run = JSON.readTree(status.out());
    assertEquals("WAITING_APPROVAL", run.path("status").asText());
    assertEquals("local/review", run.path("openGates").path(0).path("id").asText());

    Cli.Result list = temporal.run("alice", "list", "--output", "json");
    assertEquals(0, list.exitCode(), list.toString());
    List<String> ids = new ArrayList<>();
    JsonNode listed = JSON.readTree(list.out());
    (listed.isArray() ? listed : listed.path("runs")).forEach(r -> ids.add(r.path("id").asText()));
    assertTrue(ids.contains("demo-local-DEMO-71"), list.out());
  }

  @Test
  void onATerminalAWaitingRunRedrawsOneLineWithTheGateAndTheTimeAndColoursTheOutcome() {
    CliContext terminal =
        CliContext.of(temporal.env("carol")).withTerminal(new Terminal(true, true));
    TemporalFixture.Background follow =
        TemporalFixture.Background.start(terminal, RunCommandTest.runDemo("DEMO-72"));
    follow.awaitOutput("\r\u001b[33mwaiting for approval at local/review by alice, bob (");
    temporal.run("bob", "approve", "demo-local-DEMO-72");

    Cli.Result result = follow.result();
    assertEquals(0, result.exitCode(), result.toString());
    String out = result.out();
    // the progress line is erased before the next line is printed
    assertTrue(out.contains("\r\u001b[Kgate local/review approved by bob\n"), out);
    assertTrue(out.contains("run demo-local-DEMO-72 \u001b[32mCOMPLETED\u001b[0m after "), out);
    assertFalse(out.substring(out.lastIndexOf("COMPLETED")).contains("\r"), out);
  }

  @Test
  void elsewhereAStepReportingItsStateIsOneLineAndNothingIsRedrawnOrColoured() throws Exception {
    Path runbook = dir.resolve("snapshot-only.yaml");
    Files.writeString(
        runbook,
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata:
          name: snapshot-only
          version: 1
          description: One snapshot
          owners: [db-team]
        environments: [local]
        steps:
          - id: snap
            uses: aws.rds.snapshot
            with:
              database: platform
        """);
    Cli.Result result =
        temporal.run(
            "carol",
            "run",
            runbook.toString(),
            "--env",
            "local",
            "--environments",
            Cli.runbooks().resolve("environments").toString(),
            "--ticket",
            "UX-1");

    assertEquals(0, result.exitCode(), result.toString());
    String out = result.out();
    assertTrue(
        out.contains(
            "local/snap started (aws.rds.snapshot)\n"
                + "  local/snap running: snapshot s1 of platform: creating (look 1) ("),
        out);
    assertEquals(1, out.split("creating \\(look 1\\)", -1).length - 1, out);
    assertFalse(out.contains("\r") || out.contains("\u001b"), out);
  }

  @Test
  void coloursOnlyOnATerminalAndNeverWithNoColor() {
    assertTrue(Terminal.of(true, Map.of()).color());
    assertFalse(Terminal.of(true, Map.of("NO_COLOR", "1")).color());
    assertTrue(Terminal.of(true, Map.of("NO_COLOR", "")).color()); // set but empty: no effect
    assertFalse(Terminal.of(true, Map.of("TERM", "dumb")).color());
    assertFalse(Terminal.of(false, Map.of()).color());
    assertEquals("x", Terminal.of(true, Map.of("NO_COLOR", "1")).bad("x"));

    Cli.Result coloured =
        Cli.run(CliContext.of(Map.of()).withTerminal(Terminal.of(true, Map.of())), "--help");
    assertTrue(coloured.out().contains("\u001b["), coloured.out());
    Cli.Result plain =
        Cli.run(
            CliContext.of(Map.of()).withTerminal(Terminal.of(true, Map.of("NO_COLOR", "1"))),
            "--help");
    assertEquals(0, plain.exitCode());
    assertFalse(plain.out().contains("\u001b"), plain.out());
    assertFalse(Cli.run("--help").out().contains("\u001b"));
  }

  @Test
  void everyErrorIsOneLineWithAHint() {
    List<Cli.Result> errors =
        List.of(
            temporal.run("alice", "status", "no-such-run"),
            temporal.run("alice", "status", "no-such-run", "--namespace", "nope"),
            Cli.run(
                CliContext.of(
                    Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + TemporalFixture.freePort())),
                "list"),
            Cli.run("plan", "nowhere.yaml", "--env", "local"),
            Cli.run("status"),
            Cli.run("lsit"));
    for (Cli.Result error : errors) {
      assertTrue(error.exitCode() == 2 || error.exitCode() == 3, error.toString());
      assertEquals("", error.out(), error.toString());
      List<String> lines = error.err().lines().toList();
      assertTrue(lines.get(0).startsWith("runbook: "), error.toString());
      // the hint: after a ';' on the same line, or the usage pointer on the next
      assertTrue(
          lines.get(0).contains("; ")
              || lines.get(0).contains("(") && lines.size() == 1
              || lines.get(lines.size() - 1).startsWith("Try 'runbook"),
          error.toString());
      assertTrue(lines.size() <= 3, error.toString());
    }
  }
}
