package dev.runbook.worker;

import dev.runbook.worker.audit.AuditOptions;
import dev.runbook.worker.audit.AuditStoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The worker process on its own ({@code java -cp ... dev.runbook.worker.WorkerMain --env stage}):
 * the same as {@code runbook worker}.
 */
@Command(
    name = "runbook-worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run the worker of one environment until SIGTERM or Ctrl-C.",
      "%nPolls the control queue (the Runbook workflow) and the environment's task queue (the"
          + " step implementations this build has). Same as `runbook worker`."
    })
public final class WorkerMain implements Callable<Integer> {
  @Option(
      names = {"-e", "--env"},
      required = true,
      paramLabel = "ENV",
      description = "The environment whose task queue to poll.")
  String env;

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description = "Directory of environment files (default: runbooks/environments).")
  Path environments = TaskQueues.DEFAULT_DIR;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Mixin AuditOptions audit = new AuditOptions();

  private final StopSignal stop;
  private final PrintWriter out;
  private final PrintWriter err;

  WorkerMain(StopSignal stop, PrintWriter out, PrintWriter err) {
    this.stop = stop;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    TemporalTarget target = connection.target(System.getenv());
    var problem = ConnectionOptions.problem(target);
    if (problem.isPresent()) {
      err.println("runbook-worker: " + problem.get());
      return 2;
    }
    try {
      WorkerProcess.serve(target, env, environments, audit.config(System.getenv()), out, stop);
      return 0;
    } catch (AuditStoreException e) {
      err.println("runbook-worker: " + e.getMessage());
      return 3;
    } catch (IllegalArgumentException e) {
      err.println("runbook-worker: " + e.getMessage());
      return 2;
    } catch (ConnectionFailedException e) {
      err.println("runbook-worker: " + e.getMessage());
      return 3;
    }
  }

  /** Runs with the given writers and stop signal; returns the exit code. */
  static int execute(StopSignal stop, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new WorkerMain(stop, out, err));
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  public static void main(String[] args) {
    int code =
        execute(
            StopSignal.jvm(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true),
            args);
    if (!StopSignal.jvmShuttingDown()) {
      System.exit(code);
    }
  }
}
