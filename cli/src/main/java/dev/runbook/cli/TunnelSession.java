package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.AccessPolicy;
import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.LeaseAnswer;
import dev.runbook.engine.workflow.LeaseRequest;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.StepRecord;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlTargets;
import dev.runbook.worker.ssh.Fingerprints;
import dev.runbook.worker.ssh.JumpHost;
import dev.runbook.worker.ssh.SecretReader;
import dev.runbook.worker.ssh.TunnelPool;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code runbook tunnel} does: start or join the caller's db-access run, wait for its lease,
 * open the local forward, print how to connect, heartbeat until Ctrl-C or the lease ends, release.
 */
final class TunnelSession {
  /** Ports tried after the default one when it is taken. */
  static final int PORT_TRIES = 20;

  private final TunnelCommand command;
  private final PrintWriter out;

  TunnelSession(TunnelCommand command) {
    this.command = command;
    this.out = command.out();
  }

  int run() {
    // Ctrl-C or SIGTERM: the JVM waits while the lease is released (the run then cleans up).
    command.context().stop().arm(Duration.ofSeconds(20));
    try {
      return runArmed();
    } finally {
      command.context().stop().done();
    }
  }

  private int runArmed() {
    Path envDir = Compilation.environmentsDirectory(command.runbook, command.environmentsDir);
    EnvironmentSpec env = environment(envDir);
    JsonNode db = env.databases().get(command.database);
    if (db == null) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "no database "
              + command.database
              + " in "
              + env.name()
              + " (there: "
              + String.join(", ", env.databases().keySet())
              + ")");
    }
    JsonNode policy = AccessPolicy.facts(env.source().tree().path("access"));
    String ttl = ttl(policy);
    String cidr = command.cidr != null ? command.cidr : CallerAddress.detect(env.provider());
    if (command.pgpass != null && !"postgresql".equals(db.path("engine").asText())) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--pgpass is for PostgreSQL; " + command.database + " is " + db.path("engine").asText());
    }
    List<String> params = new ArrayList<>();
    params.add("database=" + command.database);
    params.add("cidr=" + cidr);
    params.add("ttl=" + ttl);
    if (command.reason != null) {
      params.add("reason=" + command.reason);
    }
    if (command.localPort != null) {
      requireFree(command.localPort); // before anything starts: the run would wait for nobody
    }
    Plan plan =
        Compilation.compile(
            "tunnel", "started", command.runbook, env.name(), params, envDir, command.err());
    try (TemporalConnection temporal = command.connect()) {
      String user = temporal.identity();
      String runId = startOrJoin(temporal.client(), plan, user);
      String flags = RunText.connectionFlags(temporal.target());
      Runs runs = new Runs(temporal);
      RunbookWorkflow run = runs.workflow(runId);
      LeaseAnswer lease = awaitLease(runs, run, runId, user, flags);
      try (TunnelPool pool =
          new TunnelPool(Map.of(), secrets(envDir), TunnelPool.Settings.defaults())) {
        Forward forward;
        try {
          forward = forward(env, db, pool);
        } catch (RuntimeException e) {
          release(run, user); // nobody will use the access: let the run clean up now
          throw e;
        }
        describe(envDir, env, db, forward, runId, lease, flags);
        LeaseAnswer last = hold(run, user, lease);
        if (last == null) {
          return ExitCode.OK.code(); // released by Ctrl-C: cleanup printed
        }
        println("the lease ended (" + last.message() + "); the run cleans up");
        return ExitCode.OK.code();
      }
    }
  }

  private EnvironmentSpec environment(Path envDir) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(envDir, problems);
    ValidatedEnvironment env = envs.get(command.env);
    if (env == null) {
      if (!problems.isEmpty()) {
        problems.sort(Diagnostic.ORDER);
        throw new CliException(ExitCode.INVALID_INPUT, problems.get(0).format());
      }
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "no environment "
              + command.env
              + " in "
              + envDir
              + " (there: "
              + String.join(", ", envs.keySet())
              + ")");
    }
    return env.spec();
  }

  private String ttl(JsonNode policy) {
    String text = command.ttl != null ? command.ttl : policy.path("defaultTtl").asText();
    Duration wanted =
        Durations.parse(text)
            .filter(d -> !d.isZero())
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "--ttl: expected a duration such as 30m or 1h, got '" + text + "'"));
    Duration max = Durations.parse(policy.path("maxTtl").asText()).orElse(Duration.ZERO);
    if (wanted.compareTo(max) > 0) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--ttl "
              + text
              + " is longer than "
              + command.env
              + "'s access.maxTtl ("
              + policy.path("maxTtl").asText()
              + ")");
    }
    return text;
  }

  /** One run per environment, database and person: a second `runbook tunnel` joins it. */
  static String runId(String env, String database, String user) {
    return "db-access-" + env + "-" + database + "-" + user.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private String startOrJoin(WorkflowClient client, Plan plan, String user) {
    String id = runId(plan.target(), command.database, user);
    WorkflowOptions options =
        WorkflowOptions.newBuilder(Launch.options(id, plan, user, ""))
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .build();
    RunbookWorkflow run = client.newWorkflowStub(RunbookWorkflow.class, options);
    try {
      WorkflowClient.start(run::run, new RunRequest(plan, user, ""));
      println("run " + id + ": " + Launch.summary(plan, ""));
    } catch (WorkflowExecutionAlreadyStarted running) {
      println("run " + id + " is already running: joining it");
    }
    return id;
  }

  /** Heartbeats until the run holds the lease, saying what it waits for meanwhile. */
  private LeaseAnswer awaitLease(
      Runs runs, RunbookWorkflow run, String runId, String user, String flags) {
    String said = "";
    while (!command.context().stop().stopped()) {
      try {
        return run.lease(new LeaseRequest(LeaseRequest.Action.HEARTBEAT, user, 0));
      } catch (WorkflowUpdateException notYet) {
        RunView view = runs.view(runId);
        if (view.status().isFinal()) {
          throw new CliException(
              ExitCode.FAILED,
              "run " + runId + " ended " + view.status() + " before the access: " + view.failure());
        }
        String now = waitingFor(view, runId, flags);
        if (!now.equals(said)) {
          println(now);
          said = now;
        }
      }
      command.context().stop().await(Duration.ofMillis(300));
    }
    throw new CliException(
        ExitCode.FAILED,
        "stopped before the access was granted; runbook cancel " + runId + flags + " ends the run");
  }

  private static String waitingFor(RunView view, String runId, String flags) {
    for (GateView gate : view.openGates()) {
      return "waiting for approval at "
          + gate.id()
          + " ("
          + gate.message()
          + "): runbook approve "
          + runId
          + " --gate "
          + gate.id()
          + flags;
    }
    for (StepRecord step : view.steps()) {
      if (step.finishedAt() == 0) {
        return "  " + step.stepId() + ": " + step.name() + " ...";
      }
    }
    return "  starting ...";
  }

  /** Where the forward listens and what it reaches. */
  record Forward(String host, int port, String target, String via) {}

  private Forward forward(EnvironmentSpec env, JsonNode db, TunnelPool pool) {
    String endpoint = db.path("endpoint").asText();
    int remotePort = db.path("port").asInt();
    if (!"jump-box".equals(db.path("via").asText("direct"))) {
      return new Forward(endpoint, remotePort, endpoint + ":" + remotePort, "direct (no jump box)");
    }
    JumpHost jump =
        JumpHost.of(env)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        env.name()
                            + " has no jumpBox, but "
                            + command.database
                            + " is via: jump-box"))
            .as(command.sshUser, command.identity, false);
    int first = command.localPort != null ? command.localPort : db.path("localPort").asInt();
    int tries = command.localPort != null ? 1 : PORT_TRIES;
    for (int port = first; port < first + tries && port <= 65535; port++) {
      try {
        SqlTargets.Endpoint local = pool.open(jump, endpoint, remotePort, port);
        if (port != first) {
          println("127.0.0.1:" + first + " is taken: using 127.0.0.1:" + port);
        }
        return new Forward(
            local.host(),
            local.port(),
            endpoint + ":" + remotePort,
            jump.describe()
                + " (host key "
                + (jump.hostKey() == null
                    ? "from " + jump.knownHostsFile()
                    : Fingerprints.ofLine(jump.hostKey()))
                + ")");
      } catch (ApplicationFailure e) {
        if (!e.getOriginalMessage().startsWith("cannot listen on")) {
          throw new CliException(ExitCode.UNEXPECTED_STATE, e.getOriginalMessage());
        }
        if (command.localPort != null) {
          throw new CliException(
              ExitCode.UNEXPECTED_STATE,
              "127.0.0.1:" + port + " is in use; pick another --local-port or leave it out");
        }
      }
    }
    throw new CliException(
        ExitCode.UNEXPECTED_STATE,
        "127.0.0.1:" + first + " to " + (first + tries - 1) + " are all in use; pass --local-port");
  }

  private void describe(
      Path envDir,
      EnvironmentSpec env,
      JsonNode db,
      Forward forward,
      String runId,
      LeaseAnswer lease,
      String flags) {
    String engine = db.path("engine").asText();
    String database = db.path("database").asText();
    Credentials credentials = null;
    String unreadable = null;
    // the user of temporary access: accessSecretId when the database names one
    String secretId = db.path("accessSecretId").asText(db.path("secretId").asText());
    try {
      credentials =
          SqlTargets.fromDirectory(envDir, Map.of(), LocalCredentialSource.fromEnvironment())
              .credentials(env.name())
              .fetch(secretId);
    } catch (RuntimeException e) {
      unreadable = e.getMessage();
    }
    String user =
        credentials == null ? "<user of secret " + secretId + ">" : credentials.username();
    println(
        "tunnel "
            + forward.host()
            + ":"
            + forward.port()
            + " -> "
            + forward.target()
            + " via "
            + forward.via());
    if (engine.equals("postgresql")) {
      println(
          "  psql \"postgresql://"
              + user
              + "@"
              + forward.host()
              + ":"
              + forward.port()
              + "/"
              + database
              + "\"");
      println("  JDBC jdbc:postgresql://" + forward.host() + ":" + forward.port() + "/" + database);
    } else {
      println(
          "  MySQL Workbench: host "
              + forward.host()
              + ", port "
              + forward.port()
              + ", user "
              + user
              + ", default schema "
              + database);
      println(
          "  mysql -h "
              + forward.host()
              + " -P "
              + forward.port()
              + " -u "
              + user
              + " -p "
              + database);
    }
    if (credentials == null) {
      println("  (cannot read secret " + secretId + " with your credentials: " + unreadable + ")");
    } else if (command.showPassword) {
      println("  password: " + credentials.password());
    } else if (command.pgpass == null) {
      println("  password: --show-password prints it, --pgpass FILE writes it for psql");
    }
    if (command.pgpass != null && credentials != null) {
      writePgpass(forward, database, credentials);
      println(
          "  PGPASSFILE="
              + command.pgpass
              + " psql \"host="
              + forward.host()
              + " port="
              + forward.port()
              + " dbname="
              + database
              + " user="
              + user
              + "\"");
    }
    println(
        "lease held until "
            + Instant.ofEpochMilli(lease.expiresAt())
            + " (at most "
            + Instant.ofEpochMilli(lease.maxUntil())
            + "); runbook tunnel extend "
            + runId
            + " --by 30m"
            + flags
            + "; Ctrl-C ends it");
  }

  private void writePgpass(Forward forward, String database, Credentials credentials) {
    String line =
        forward.host()
            + ":"
            + forward.port()
            + ":"
            + escape(database)
            + ":"
            + escape(credentials.username())
            + ":"
            + escape(credentials.password())
            + "\n";
    try {
      Path file = command.pgpass;
      if (!Files.exists(file)) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(file, line, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNEXPECTED_STATE,
          "cannot write --pgpass " + command.pgpass + ": " + e.getMessage());
    }
  }

  private static String escape(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }

  /**
   * Heartbeats every third of the heartbeat timeout until Ctrl-C (then releases and follows the
   * cleanup, returning null) or until the run refuses them (the lease ended; returned).
   */
  private LeaseAnswer hold(RunbookWorkflow run, String user, LeaseAnswer lease) {
    Duration every = Duration.ofMillis(Math.max(1000, lease.heartbeatTimeoutMillis() / 3));
    LeaseAnswer last = lease;
    while (!command.context().stop().await(every)) {
      try {
        last = run.lease(new LeaseRequest(LeaseRequest.Action.HEARTBEAT, user, 0));
      } catch (WorkflowUpdateException ended) {
        return new LeaseAnswer(
            last.step(),
            user,
            last.expiresAt(),
            last.maxUntil(),
            last.heartbeatTimeoutMillis(),
            false,
            Temporal.refusal(ended));
      } catch (RuntimeException unreachable) {
        println("heartbeat failed (" + Temporal.refusal(unreachable) + "); trying again");
      }
    }
    release(run, user);
    return null;
  }

  private void release(RunbookWorkflow run, String user) {
    try {
      println(run.lease(new LeaseRequest(LeaseRequest.Action.RELEASE, user, 0)).message());
    } catch (RuntimeException e) {
      println("release refused (" + Temporal.refusal(e) + ")");
    }
  }

  private static void requireFree(int port) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNEXPECTED_STATE,
          "127.0.0.1:" + port + " is in use; pick another --local-port or leave it out");
    }
  }

  private SecretReader secrets(Path envDir) {
    return (environment, secretId) ->
        SqlTargets.fromDirectory(envDir, Map.of(), LocalCredentialSource.fromEnvironment())
            .credentials(environment)
            .fetch(secretId)
            .password();
  }

  private void println(String line) {
    out.println(line);
    out.flush();
  }
}
