package dev.runbook.cli;

import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.WorkerProcess;
import dev.runbook.worker.audit.AuditOptions;
import dev.runbook.worker.audit.AuditStoreException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code runbook worker}: the production worker process of one environment. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run the worker of one environment until SIGTERM or Ctrl-C.",
      "%nPolls the control queue (the Runbook workflow) and the environment's task queue"
          + " with every step implementation: notify (the environment's Slack webhook, else this"
          + " output), the SQL and migration steps (sql.*, flyway.*, prisma.revert) on the environment's"
          + " databases (via: jump-box through its SSH tunnels), ssh.tunnel, exec, and the cloud"
          + " steps (aws.*: the AWS SDK, or the local provider for provider: local); the local"
          + " secrets provider reads the file RUNBOOK_LOCAL_SECRETS names (runbook dev's"
          + " local-secrets.json). On SIGTERM it stops polling and lets running tasks finish."
          + "%n%nAlso runnable as dev.runbook.worker.WorkerMain (the same flags)."
          + "%n%nThe interpreter records every run in the audit store (--audit-db-url, a"
          + " PostgreSQL database; its schema is migrated at start) as the run goes; without one,"
          + " runs say in `runbook status` that they are not recorded."
    })
final class WorkerCommand extends ClientCommand implements Callable<Integer> {
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

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    try {
      WorkerProcess.serve(
          target(), env, environments, audit.config(context().env()), out(), context().stop());
    } catch (AuditStoreException e) {
      throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    return ExitCode.OK.code();
  }
}
