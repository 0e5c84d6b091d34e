package dev.runbook.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Coverage-guided fuzzing (Jazzer) of the YAML loader, the validators and the plan compiler: any
 * text must end as diagnostics, never as an exception, and within {@link #PER_INPUT} per input.
 *
 * <p>The seeds under {@code LoaderFuzzTestInputs/} are the bad-input corpus's files and the
 * repository's runbooks. The build runs this in its own surefire execution with {@code
 * JAZZER_FUZZ=1} for 60 s (engine/pom.xml); without that variable (an IDE, {@code -Dtest} in the
 * default execution) it replays the seeds and any crash Jazzer saved there. Longer runs: see
 * engine/README.md.
 */
class LoaderFuzzTest {
  /** Generous: the CI machine is shared; the real work takes milliseconds. */
  static final Duration PER_INPUT = Duration.ofSeconds(30);

  /**
   * One thread does the work so a hang is caught here. (A JUnit @Timeout would also limit the whole
   * fuzzing run, which is one JUnit invocation.)
   */
  private static final ExecutorService WORKER =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "fuzz-target");
            t.setDaemon(true);
            return t;
          });

  static {
    // Class loading (schemas, the SQL parser) is not part of any input's time.
    LoaderCompilerTarget.check(LoaderCompilerTarget.WARM_UP);
  }

  @FuzzTest(maxDuration = "60s")
  void frontEndGivesDiagnosticsNeverExceptions(byte[] data) throws Throwable {
    String text = new String(data, StandardCharsets.UTF_8);
    Future<Integer> run = WORKER.submit(() -> LoaderCompilerTarget.check(text));
    try {
      run.get(PER_INPUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause(); // the finding Jazzer reports and saves
    } catch (TimeoutException e) {
      run.cancel(true);
      throw new AssertionError("no result after " + PER_INPUT + " for:\n" + text);
    }
  }
}
