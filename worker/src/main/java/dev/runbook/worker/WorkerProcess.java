package dev.runbook.worker;

import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The worker process for one environment, as {@code runbook worker} and {@link WorkerMain} run it.
 */
public final class WorkerProcess {
  private WorkerProcess() {}

  /**
   * Polls the control queue and the environment's queue until {@code stop} is triggered, then stops
   * gracefully. Throws {@link IllegalArgumentException} for a bad environment and {@link
   * ConnectionFailedException} when Temporal cannot be reached.
   */
  public static void serve(
      TemporalTarget target,
      String environment,
      Path environments,
      PrintWriter out,
      StopSignal stop) {
    String queue = TaskQueues.of(environments, environment);
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try (TemporalConnection connection = target.connect()) {
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              Map.of(environment, queue),
              RunbookWorker.availableActivities(
                  line -> println(out, line),
                  SqlTargets.fromDirectory(
                      environments, Map.of(), LocalCredentialSource.fromEnvironment()),
                  environments));
      println(
          out,
          "worker for "
              + environment
              + " on "
              + target.address()
              + " (namespace "
              + target.namespace()
              + ") as "
              + target.identity());
      worker.describe().forEach(line -> println(out, "  polls " + line));
      println(
          out, "  other step types fail at once: their implementations arrive with their issues");
      println(out, "ready; SIGTERM or Ctrl-C stops it");
      while (!stop.await(Duration.ofMinutes(1))) {
        // polling happens on the worker's threads
      }
      println(
          out,
          "stopping: letting running tasks finish (up to " + RunbookWorker.STOP_SECONDS + "s)");
      worker.close();
      println(out, "worker stopped");
    } finally {
      stop.done();
    }
  }

  private static void println(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
