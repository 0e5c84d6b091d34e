package dev.runbook.worker;

import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.AuditStoreException;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.sql.LocalCredentialSource;
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
    serve(target, environment, environments, null, out, stop);
  }

  /**
   * The same, the interpreter writing each run's audit records to the store {@code audit} names
   * (null: none; runs then say in {@code runbook status} that they are not recorded). Throws {@link
   * AuditStoreException} when the store cannot be opened.
   */
  public static void serve(
      TemporalTarget target,
      String environment,
      Path environments,
      AuditStoreConfig audit,
      PrintWriter out,
      StopSignal stop) {
    String queue = TaskQueues.of(environments, environment);
    try (AuditStore store = audit == null ? null : AuditStore.open(audit)) {
      serve(target, environment, environments, store, queue, out, stop);
    }
  }

  private static void serve(
      TemporalTarget target,
      String environment,
      Path environments,
      AuditStore store,
      String queue,
      PrintWriter out,
      StopSignal stop) {
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try (TemporalConnection connection = target.connect()) {
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              Map.of(environment, queue),
              CloudSteps.fromDirectory(
                      line -> println(out, line),
                      environments,
                      Map.of(),
                      LocalCredentialSource.fromEnvironment())
                  ::get,
              store == null ? null : new JdbcAuditActivities(store));
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
          out,
          store == null
              ? "  audit store: none (--audit-db-url); runs say they are not recorded"
              : "  audit store: " + store.describe() + " (schema v" + store.schemaVersion() + ")");
      println(out, "  a step type this worker does not implement fails at once, naming the type");
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
