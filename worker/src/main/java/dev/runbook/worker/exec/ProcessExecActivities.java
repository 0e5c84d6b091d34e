package dev.runbook.worker.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.ExecActivities;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.CredentialSource.CredentialException;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.activity.Activity;
import io.temporal.client.ActivityCompletionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code exec}: a program from the environment's allowlist (checked again here, against the
 * worker's own environment file), without a shell, in a directory under {@code exec.root}, with a
 * time limit, a minimal environment plus the step's variables and, for {@code database}, the
 * connection built from its secret at the point of use. Output is kept bounded (the last 64 KiB of
 * each stream) and every secret value it was given is masked. Not idempotent: the compiler gives it
 * no retries unless the runbook asks.
 */
public final class ProcessExecActivities implements ExecActivities {
  static final int OUTPUT_LIMIT = 64 * 1024;
  static final Duration DEFAULT_TIME_LIMIT = Duration.ofMinutes(10);
  static final Duration KILL_GRACE = Duration.ofSeconds(5);
  static final Duration HEARTBEAT = Duration.ofSeconds(5);

  /** Variables of the worker a program may see; everything else (cloud credentials...) is not. */
  static final List<String> PASSED_THROUGH =
      List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "NODE_PATH", "JAVA_HOME");

  private final Map<String, ExecPolicy> policies;
  private final SqlTargets databases;
  private final Supplier<Map<String, String>> workerEnvironment;

  /**
   * @param policies environment name -> what it allows
   * @param databases resolves {@code with.database} (null: no database access)
   * @param workerEnvironment the worker's variables, of which {@link #PASSED_THROUGH} reach
   *     programs
   */
  public ProcessExecActivities(
      Map<String, ExecPolicy> policies,
      SqlTargets databases,
      Supplier<Map<String, String>> workerEnvironment) {
    this.policies = Map.copyOf(policies);
    this.databases = databases;
    this.workerEnvironment = workerEnvironment;
  }

  /** For the environment files of a worker; {@code databases} resolves {@code with.database}. */
  public static ProcessExecActivities forEnvironments(
      List<EnvironmentSpec> environments, SqlTargets databases) {
    Map<String, ExecPolicy> policies = new LinkedHashMap<>();
    environments.forEach(env -> policies.put(env.name(), ExecPolicy.of(env)));
    return new ProcessExecActivities(policies, databases, System::getenv);
  }

  @Override
  public StepResult exec(StepRequest request) {
    String env = request.environment();
    ExecPolicy policy = policies.get(env);
    if (policy == null) {
      throw FailureType.CONFIGURATION.failure(
          "exec: this worker has no environment file for " + env);
    }
    JsonNode with = request.with();
    List<String> argv = new ArrayList<>();
    with.path("command").forEach(item -> argv.add(item.asText()));
    policy
        .allow()
        .refusal(argv, env)
        .ifPresent(
            why -> {
              throw FailureType.GUARD_VIOLATION.failure("exec: " + why);
            });
    Path workdir = workdir(policy.root(), with.path("workdir").asText(""), env);
    Duration limit =
        with.path("timeLimit").isTextual()
            ? Durations.parse(with.path("timeLimit").asText()).orElse(DEFAULT_TIME_LIMIT)
            : DEFAULT_TIME_LIMIT;
    Set<Integer> ok = new TreeSet<>();
    with.path("okExitCodes").forEach(code -> ok.add(code.asInt()));
    if (ok.isEmpty()) {
      ok.add(0);
    }
    Map<String, String> variables = new LinkedHashMap<>();
    Map<String, String> worker = workerEnvironment.get();
    PASSED_THROUGH.forEach(
        name -> {
          if (worker.get(name) != null) {
            variables.put(name, worker.get(name));
          }
        });
    with.path("env").properties().forEach(e -> variables.put(e.getKey(), e.getValue().asText()));
    if (!with.path("database").isTextual()) {
      return run(argv, workdir, variables, new Masker(List.of()), limit, ok);
    }
    try (DatabaseVariables db = database(env, with.path("database").asText())) {
      variables.putAll(db.variables());
      return run(argv, workdir, variables, new Masker(db.secrets()), limit, ok);
    }
  }

  private StepResult run(
      List<String> argv,
      Path workdir,
      Map<String, String> variables,
      Masker masker,
      Duration limit,
      Set<Integer> ok) {
    String shown = ExecAllowlist.show(argv);
    ProcessBuilder builder = new ProcessBuilder(argv).directory(workdir.toFile());
    builder.environment().clear();
    builder.environment().putAll(variables);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long started = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw FailureType.CONFIGURATION.failure(
          "exec: cannot start "
              + argv.get(0)
              + " in "
              + workdir
              + " ("
              + masker.mask(String.valueOf(e.getMessage()))
              + ")");
    }
    BoundedTail out = new BoundedTail(process.getInputStream(), OUTPUT_LIMIT, "exec-stdout");
    BoundedTail err = new BoundedTail(process.getErrorStream(), OUTPUT_LIMIT, "exec-stderr");
    boolean finished;
    try {
      finished = waitFor(process, limit, started);
    } catch (RuntimeException e) {
      stop(process); // cancelled: the program must not outlive its step
      throw e;
    }
    if (!finished) {
      stop(process);
    }
    out.join(KILL_GRACE.toMillis());
    err.join(KILL_GRACE.toMillis());
    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
    String stdout = masker.mask(out.text());
    String stderr = masker.mask(err.text());
    if (!finished) {
      throw FailureType.STEP_FAILED.failure(
          "exec: "
              + shown
              + " did not finish within "
              + shownLimit(limit)
              + " and was stopped"
              + lastLine(stderr));
    }
    int exit = process.exitValue();
    ObjectNode outputs =
        JsonNodeFactory.instance
            .objectNode()
            .put("exitCode", exit)
            .put("stdout", stdout)
            .put("stderr", stderr)
            .put("truncated", out.truncated() || err.truncated())
            .put("durationMs", millis);
    if (!ok.contains(exit)) {
      throw FailureType.STEP_FAILED.failure(
          "exec: " + shown + " exited with " + exit + lastLine(stderr.isBlank() ? stdout : stderr));
    }
    return new StepResult(outputs, shown + " exited with " + exit + " in " + millis + " ms");
  }

  /** Waits for the program, heartbeating (so a cancel reaches it), up to {@code limit}. */
  private static boolean waitFor(Process process, Duration limit, long started) {
    long deadline = started + limit.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        if (process.waitFor(Math.min(left, HEARTBEAT.toNanos()), TimeUnit.NANOSECONDS)) {
          return true;
        }
        heartbeat(Duration.ofNanos(System.nanoTime() - started).toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.TRANSIENT.failure("exec: the worker was interrupted while waiting");
    }
  }

  private static void heartbeat(long seconds) {
    try {
      Activity.getExecutionContext().heartbeat("running for " + seconds + "s");
    } catch (ActivityCompletionException e) {
      throw e;
    } catch (IllegalStateException e) {
      // outside an activity (a direct call): nothing to report to
    }
  }

  /** SIGTERM to the program and its children, SIGKILL to what is left after the grace. */
  private static void stop(Process process) {
    List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
    family.add(process.toHandle());
    family.forEach(ProcessHandle::destroy);
    try {
      process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static Path workdir(Path root, String relative, String env) {
    Path dir = root.resolve(relative).normalize();
    if (!dir.startsWith(root)) {
      throw FailureType.GUARD_VIOLATION.failure(
          "exec: workdir " + relative + " leaves the exec.root of " + env + " (" + root + ")");
    }
    if (!Files.isDirectory(dir)) {
      throw FailureType.CONFIGURATION.failure(
          "exec: workdir " + dir + " of " + env + " is not a directory on this worker");
    }
    return dir;
  }

  private DatabaseVariables database(String env, String name) {
    if (databases == null) {
      throw FailureType.CONFIGURATION.failure("exec: this worker has no database targets");
    }
    SqlTarget target = databases.get(env, name);
    try {
      return DatabaseVariables.of(target, target.credentials().fetch(target.secretId()));
    } catch (CredentialException e) {
      throw FailureType.CONFIGURATION.failure("exec: " + e.getMessage());
    } catch (IOException e) {
      throw FailureType.TRANSIENT.failure("exec: cannot write the client option file");
    }
  }

  /** {@code 10m}, {@code 90s}, {@code 1500ms}: how the limit reads in a message. */
  static String shownLimit(Duration limit) {
    if (limit.toMillis() % 60_000 == 0) {
      return limit.toMinutes() + "m";
    }
    return limit.toMillis() % 1000 == 0 ? limit.toSeconds() + "s" : limit.toMillis() + "ms";
  }

  private static String lastLine(String text) {
    List<String> lines = text.strip().lines().toList();
    return lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
  }
}
