package dev.runbook.cli;

import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.StopSignal;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.AuditStoreException;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.audit.LocalAuditStore;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalPostgresException;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code runbook dev}: Temporal, the workers and the embedded PostgreSQL of {@code local} in this
 * process, for trying runbooks locally.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run Temporal, the workers and a PostgreSQL in this process.",
      "%nStarts Temporal's test server in memory on 127.0.0.1 only (runs are gone when it"
          + " stops), registers the runbook search attributes, and runs one worker for the"
          + " control queue and every environment queue found in the environments directory."
          + " Other terminals reach it with the default --address."
          + "%n%nAn embedded PostgreSQL plays the databases of `local` on 127.0.0.1, at the port"
          + " the local environment file gives them (--pg-port changes it). It creates the"
          + " missing databases, owned by the role runbook, whose password is new at every start"
          + " and never printed: it is in local-secrets.json (by secretId, for the worker) and"
          + " in a pgpass file, both readable by you only, in the data directory (temporary and"
          + " removed on stop, unless --pg-data). The SQL steps (sql.*) of `local` run against"
          + " it, and its cloud steps: aws.rds.snapshot and aws.rds.restore-pitr copy databases"
          + " there (CREATE DATABASE ... TEMPLATE), aws.rds.delete drops only a copy the run"
          + " made, aws.ec2.* are simulated."
          + "%n%nIts database runbook_audit is the audit store: the interpreter records every run"
          + " there as it goes; `runbook audit` reads it with the variables printed at start."
          + "%n%nCtrl-C or SIGTERM stops the workers, Temporal and PostgreSQL."
    })
final class DevCommand implements Callable<Integer> {
  private static final String LOCAL = "local";

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

  @Option(
      names = "--pg-port",
      paramLabel = "PORT",
      description =
          "Port of the embedded PostgreSQL on 127.0.0.1 (default: the port of the local"
              + " databases, 5432; 0 picks a free one).")
  Integer pgPort;

  @Option(
      names = "--pg-data",
      paramLabel = "DIR",
      description =
          "Keep PostgreSQL's data in DIR between runs (default: a temporary directory, removed"
              + " on stop).")
  Path pgData;

  @Option(
      names = "--no-postgres",
      description = "Start no PostgreSQL (when one of your own already plays `local`).")
  boolean noPostgres;

  @Override
  public Integer call() {
    CliContext context = main == null ? CliContext.system() : main.context();
    PrintWriter out = spec.commandLine().getOut();
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCode.INVALID_INPUT, "--port " + port + ": expected 0 to 65535");
    }
    if (pgPort != null && (pgPort < 0 || pgPort > 65535)) {
      throw new CliException(
          ExitCode.INVALID_INPUT, "--pg-port " + pgPort + ": expected 0 to 65535");
    }
    Map<String, String> queues;
    LocalDatabases local = null;
    try {
      queues = TaskQueues.of(environments);
      if (!noPostgres && queues.containsKey(LOCAL)) {
        local = LocalDatabases.of(environments, LOCAL);
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    StopSignal stop = context.stop();
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try {
      serve(out, queues, local, stop);
      println(out, "stopped");
    } finally {
      stop.done();
    }
    return ExitCode.OK.code();
  }

  private void serve(
      PrintWriter out, Map<String, String> queues, LocalDatabases local, StopSignal stop) {
    // Closed in reverse: PostgreSQL after the workers (closed below), Temporal last.
    try (LocalTemporal server = LocalTemporal.start(port);
        TemporalConnection connection =
            TemporalTarget.local(server.port(), "runbook dev").connect();
        LocalPostgres postgres = local == null ? null : startPostgres(local);
        AuditStore audit = postgres == null ? null : openAudit(postgres)) {
      var attributes = LocalTemporal.registerSearchAttributes(connection);
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              queues,
              steps(line -> println(out, "worker: " + line), postgres)::get,
              audit == null ? null : new JdbcAuditActivities(audit));
      String address = server.address();
      println(
          out,
          "Temporal test server on "
              + address
              + " (loopback only; in memory: runs are gone when it stops)");
      println(out, "namespace default, search attributes " + String.join(", ", attributes));
      describe(out, postgres);
      describeAudit(out, postgres, audit);
      worker.describe().forEach(line -> println(out, "worker polls " + line));
      println(out, "connect from another terminal, e.g.:");
      println(
          out,
          "  RUNBOOK_USER=carol runbook run runbooks/demo.yaml --env local -p ticket=DEMO-1"
              + " --address "
              + address);
      println(out, "  RUNBOOK_USER=bob runbook approve <run id> --address " + address);
      if (postgres != null && !postgres.databases().isEmpty()) {
        println(out, "  " + postgres.psql(postgres.databases().get(0).database()));
      }
      println(out, "ready; Ctrl-C stops it");
      while (!stop.await(Duration.ofMinutes(1))) {
        // the server and the worker run on their own threads
      }
      println(out, "stopping");
      worker.close();
    }
  }

  /**
   * The step implementations of each environment (CloudSteps: `local` gets the local cloud
   * provider). The databases the SQL steps reach: those of the environment files, the local
   * PostgreSQL ones at the embedded server's port (which --pg-port may have changed), with its
   * secrets file.
   */
  private Map<String, List<Object>> steps(
      java.util.function.Consumer<String> out, LocalPostgres postgres) {
    if (postgres == null) {
      return CloudSteps.fromDirectory(
          out, environments, Map.of(), LocalCredentialSource.fromEnvironment());
    }
    Map<String, SqlTargets.Endpoint> overrides = new java.util.LinkedHashMap<>();
    for (LocalDatabases.Database database : postgres.databases()) {
      if (database.equals(LocalAuditStore.DATABASE)) {
        continue; // the engine's own database, not a target of runbooks
      }
      overrides.put(
          LOCAL + "/" + database.name(), new SqlTargets.Endpoint("127.0.0.1", postgres.port()));
    }
    return CloudSteps.fromDirectory(
        out, environments, overrides, new LocalCredentialSource(postgres.secretsFile()));
  }

  private LocalPostgres startPostgres(LocalDatabases local) {
    int pg = pgPort == null ? local.port() : pgPort;
    try {
      return LocalPostgres.start(
          new LocalPostgres.Options(pg, LocalAuditStore.with(local.databases()), pgData));
    } catch (LocalPostgresException e) {
      if (e.portTaken()) {
        throw new CliException(
            ExitCode.UNEXPECTED_STATE,
            e.getMessage()
                + "; is another PostgreSQL running there? Pass --pg-port, or --no-postgres to use"
                + " your own");
      }
      throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
    }
  }

  /** The audit store on the embedded PostgreSQL, its schema migrated. */
  private static AuditStore openAudit(LocalPostgres postgres) {
    try {
      return AuditStore.open(LocalAuditStore.config(postgres));
    } catch (AuditStoreException e) {
      throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
    }
  }

  /** Where the audit store is and how `runbook audit` reaches it, never the password. */
  private static void describeAudit(PrintWriter out, LocalPostgres postgres, AuditStore audit) {
    if (audit == null) {
      println(out, "no audit store: runs say they are not recorded");
      return;
    }
    AuditStoreConfig config = LocalAuditStore.config(postgres);
    Path passwordFile = LocalAuditStore.writePasswordFile(postgres, config);
    println(
        out,
        "audit store: database "
            + LocalAuditStore.NAME
            + " (schema v"
            + audit.schemaVersion()
            + "); runbook audit --list reads it with");
    println(out, "  " + LocalAuditStore.variables(config, passwordFile));
  }

  /** Where PostgreSQL is and how to connect, never the password. */
  private void describe(PrintWriter out, LocalPostgres postgres) {
    if (postgres == null) {
      println(
          out,
          noPostgres
              ? "no PostgreSQL (--no-postgres): `local` uses the one on its databases' port"
              : "no PostgreSQL: no environment local in " + environments);
      return;
    }
    List<LocalDatabases.Database> databases =
        postgres.databases().stream().filter(d -> !d.equals(LocalAuditStore.DATABASE)).toList();
    println(
        out,
        "PostgreSQL "
            + postgres.version()
            + " on 127.0.0.1:"
            + postgres.port()
            + " plays local: databases "
            + String.join(", ", databases.stream().map(LocalDatabases.Database::database).toList())
            + ", owner "
            + LocalPostgres.ROLE);
    println(
        out,
        "  data in "
            + postgres.directory()
            + (postgres.temporary() ? " (removed on stop)" : " (kept)"));
    println(
        out,
        "  password (new at every start) in "
            + postgres.secretsFile()
            + " (secretIds "
            + String.join(", ", databases.stream().map(LocalDatabases.Database::secretId).toList())
            + ") and "
            + postgres.pgpassFile());
  }

  private static void println(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
