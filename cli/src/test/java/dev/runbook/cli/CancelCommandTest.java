package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code cancel} sends the signal with who and why, then follows the run to its undos. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CancelCommandTest {
  static TemporalFixture temporal;

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.start();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  @Test
  void cancellingARunAtItsGateRunsTheUndoAndFinallyShowsThemAndExits0() {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-41", "--detach"));
    temporal.awaitGate("demo-local-DEMO-41", "local/review");

    Cli.Result result =
        temporal.run("carol", "cancel", "demo-local-DEMO-41", "--reason", "wrong ticket");

    assertEquals(
        new Cli.Result(
            0,
            """
            run demo-local-DEMO-41: cancel sent by carol: wrong ticket
            local/review failed in _s: cancelled by carol: wrong ticket
            local/report started (notify)
            local/report completed in _s: recorded
            run demo-local-DEMO-41 CANCELLED after _s: cancelled by carol: wrong ticket
            undo local/announce (notify) completed: recorded
            """,
            ""),
        new Cli.Result(
            result.exitCode(), Cli.normalize(result.out(), temporal.port), result.err()));
    assertTrue(
        temporal.notify.texts.contains(
            "local: DEMO-41: undo of announce: demo-local-DEMO-41 did not complete"),
        temporal.notify.texts.toString());
    assertTrue(
        temporal.notify.texts.contains("local: DEMO-41: demo-local-DEMO-41 ended cancelled"),
        temporal.notify.texts.toString());
  }

  @Test
  void watchingACancelledRunReplaysItAndExits1() {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-42", "--detach"));
    temporal.awaitGate("demo-local-DEMO-42", "local/review");
    temporal.run("bob", "cancel", "demo-local-DEMO-42", "--reason", "not needed");

    Cli.Result watched = temporal.run("alice", "watch", "demo-local-DEMO-42");

    assertEquals(
        new Cli.Result(
            1,
            """
            local/announce started (notify)
            local/announce completed in _s: recorded
            local/review started (approval)
            local/review failed in _s: cancelled by bob: not needed
            local/report started (notify)
            local/report completed in _s: recorded
            run demo-local-DEMO-42 CANCELLED after _s: cancelled by bob: not needed
            undo local/announce (notify) completed: recorded
            """,
            ""),
        new Cli.Result(
            watched.exitCode(), Cli.normalize(watched.out(), temporal.port), watched.err()));
  }

  @Test
  void cancellingAnEndedRunIsExit3AndAnUnknownOneExit2() {
    temporal.run("carol", RunCommandTest.runDemo("DEMO-43", "--detach"));
    temporal.awaitGate("demo-local-DEMO-43", "local/review");
    temporal.run("carol", "cancel", "demo-local-DEMO-43", "--reason", "first");

    assertEquals(
        new Cli.Result(
            3, "", "runbook: run demo-local-DEMO-43 has ended (CANCELLED); nothing to cancel\n"),
        temporal.run("carol", "cancel", "demo-local-DEMO-43", "--reason", "again"));
    assertEquals(
        new Cli.Result(
            2, "", "runbook: no run nope in namespace default" + Runs.NO_RUN_HINT + "\n"),
        temporal.run("carol", "cancel", "nope", "--reason", "x"));
  }
}
