package dev.runbook.cli;

import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.StopSignal;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code runbook dev}: Temporal and the workers in this process, for trying runbooks locally. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run Temporal and the workers in this process to try runbooks.",
      "%nStarts Temporal's test server in memory on 127.0.0.1 only (runs are gone when it"
          + " stops), registers the runbook search attributes, and runs one worker for the"
          + " control queue and every environment queue found in the environments directory."
          + " Other terminals reach it with the default --address. Ctrl-C stops it."
          + " The embedded PostgreSQL that plays the databases of `local` arrives with the"
          + " SQL steps; until then SQL steps fail at once, naming their type."
    })
final class DevCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "7233",
      description = "Port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description = "Directory of environment files (default: runbooks/environments).")
  Path environments = TaskQueues.DEFAULT_DIR;

  @Override
  public Integer call() {
    CliContext context = main == null ? CliContext.system() : main.context();
    PrintWriter out = spec.commandLine().getOut();
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCode.INVALID_INPUT, "--port " + port + ": expected 0 to 65535");
    }
    Map<String, String> queues;
    try {
      queues = TaskQueues.of(environments);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    StopSignal stop = context.stop();
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try {
      serve(out, queues, stop);
      println(out, "stopped");
    } finally {
      stop.done();
    }
    return ExitCode.OK.code();
  }

  private void serve(PrintWriter out, Map<String, String> queues, StopSignal stop) {
    try (LocalTemporal server = LocalTemporal.start(port);
        TemporalConnection connection =
            TemporalTarget.local(server.port(), "runbook dev").connect()) {
      var attributes = LocalTemporal.registerSearchAttributes(connection);
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              queues,
              RunbookWorker.availableActivities(line -> println(out, "worker: " + line)));
      String address = server.address();
      println(
          out,
          "Temporal test server on "
              + address
              + " (loopback only; in memory: runs are gone when it stops)");
      println(out, "namespace default, search attributes " + String.join(", ", attributes));
      worker.describe().forEach(line -> println(out, "worker polls " + line));
      println(out, "connect from another terminal, e.g.:");
      println(
          out,
          "  RUNBOOK_USER=carol runbook run runbooks/demo.yaml --env local -p ticket=DEMO-1"
              + " --address "
              + address);
      println(out, "  RUNBOOK_USER=bob runbook approve <run id> --address " + address);
      println(out, "ready; Ctrl-C stops it");
      while (!stop.await(Duration.ofMinutes(1))) {
        // the server and the worker run on their own threads
      }
      println(out, "stopping");
      worker.close();
    }
  }

  private static void println(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
