package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code list} on the test server, which answers visibility queries with UNIMPLEMENTED: the
 * fallback reads open and closed executions and filters on what each run records.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ListCommandTest {
  static TemporalFixture temporal;

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.startWith(List.of(new TemporalFixture.PreviewingSql()));
    // Oldest first: a completed demo run, a demo run at its gate, a fix on stage at its gate.
    temporal.run("carol", RunCommandTest.runDemo("DEMO-31", "--detach"));
    temporal.awaitGate("demo-local-DEMO-31", "local/review");
    temporal.run("bob", "approve", "demo-local-DEMO-31");
    temporal.run("carol", "watch", "demo-local-DEMO-31");
    temporal.run("carol", RunCommandTest.runDemo("DEMO-32", "--detach"));
    TemporalFixture.sleep(java.time.Duration.ofMillis(20));
    List<String> fix =
        new ArrayList<>(
            List.of("run", Cli.emergencyDataFix().toString(), "--env", "stage", "--detach"));
    fix.addAll(Cli.fixParams());
    temporal.run("alice", fix.toArray(String[]::new));
    temporal.awaitGate("emergency-data-fix-stage-OPS-1234", "stage/fix");
    temporal.awaitGate("demo-local-DEMO-32", "local/review");
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static List<String> ids(Cli.Result result) {
    return result.out().lines().skip(1).map(l -> l.split(" ")[0]).toList();
  }

  @Test
  void everyRunIsListedNewestFirstWithItsStatusRunbookTargetLauncherAndTicket() {
    Cli.Result result = temporal.run("alice", "list");

    assertEquals(
        new Cli.Result(
            0,
            """
            RUN                                STATUS            RUNBOOK                TARGET  LAUNCHER  TICKET    STARTED
            emergency-data-fix-stage-OPS-1234  WAITING_APPROVAL  emergency-data-fix v1  stage   alice     OPS-1234  <time>
            demo-local-DEMO-32                 WAITING_APPROVAL  demo v1                local   carol     DEMO-32   <time>
            demo-local-DEMO-31                 COMPLETED         demo v1                local   carol     DEMO-31   <time>
            """,
            ""),
        new Cli.Result(
            result.exitCode(), Cli.normalize(result.out(), temporal.port), result.err()));
  }

  @Test
  void envStatusAndRunbookFilterTheRuns() {
    assertEquals(
        List.of("demo-local-DEMO-32", "demo-local-DEMO-31"),
        ids(temporal.run("alice", "list", "--env", "local")));
    assertEquals(
        List.of("emergency-data-fix-stage-OPS-1234", "demo-local-DEMO-32"),
        ids(temporal.run("alice", "list", "--status", "waiting_approval")));
    assertEquals(
        List.of("demo-local-DEMO-31"),
        ids(temporal.run("alice", "list", "--status", "COMPLETED", "--env", "local")));
    assertEquals(
        List.of("emergency-data-fix-stage-OPS-1234"),
        ids(temporal.run("alice", "list", "--runbook", "emergency-data-fix")));
    assertEquals(
        List.of("demo-local-DEMO-32"),
        ids(temporal.run("alice", "list", "--runbook", "demo", "--limit", "1")));
  }

  @Test
  void noMatchSaysSo() {
    assertEquals(
        new Cli.Result(0, "no runs match\n", ""), temporal.run("alice", "list", "--env", "prod"));
  }

  @Test
  void jsonListsTheSameRuns() throws Exception {
    Cli.Result result = temporal.run("alice", "list", "--env", "stage", "--format", "json");

    JsonNode json = new ObjectMapper().readTree(result.out());
    assertEquals(1, json.size());
    assertEquals("emergency-data-fix-stage-OPS-1234", json.path(0).path("id").asText());
    assertEquals("WAITING_APPROVAL", json.path(0).path("status").asText());
    assertEquals("emergency-data-fix", json.path(0).path("runbook").asText());
    assertEquals(1, json.path(0).path("version").asInt());
    assertEquals("stage", json.path(0).path("target").asText());
    assertEquals("stage", json.path(0).path("environment").asText());
    assertEquals("alice", json.path(0).path("launcher").asText());
    assertEquals("OPS-1234", json.path(0).path("ticket").asText());
  }

  @Test
  void badFiltersAreRefusedWithWhatIsAllowed() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: --status done: expected one of running, waiting_approval, compensating,"
                + " completed, failed, compensation_incomplete, rejected, timed_out, cancelled\n"),
        temporal.run("alice", "list", "--status", "done"));
    assertEquals(
        new Cli.Result(2, "", "runbook: --limit 0: expected 1 to 1000\n"),
        temporal.run("alice", "list", "--limit", "0"));
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: --runbook Demo: not a runbook name (lowercase letters, digits, hyphens)\n"),
        temporal.run("alice", "list", "--runbook", "Demo"));
  }
}
