package dev.runbook.worker.flyway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.FlywayActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.ConnectionPools;
import dev.runbook.worker.sql.RevertGuard;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.activity.Activity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.RepairOutput;
import org.flywaydb.core.api.output.RepairResult;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * The migration steps ({@code flyway.migrate}, {@code flyway.info}, {@code flyway.validate}, {@code
 * flyway.repair}) with Flyway on PostgreSQL and MySQL/MariaDB. Connections come from {@link
 * ConnectionPools} of the environment files' {@link SqlTargets}, as for the SQL steps (own pools,
 * so Flyway's session settings never reach a SQL step's connection); migrations from folders under
 * the worker's migrations root ({@link MigrationFolders}). Clean is always disabled, out-of-order
 * migrations are refused unless asked for, validation runs before every migrate, and Flyway's own
 * logging goes through {@link FlywayLog}, which cuts the pools' passwords out.
 *
 * <p>Idempotency: migrate applies each version once (Flyway's schema history, under Flyway's lock);
 * info and validate change nothing; repair changes the history only while it has something to
 * repair. The {@code revert} of a repair runs only while the history marks that version failed and
 * never on a retried attempt (it may have run partly), so it cannot run twice.
 */
public final class FlywayMigrations implements FlywayActivities, AutoCloseable {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern VERSION = Pattern.compile("[0-9]+([._][0-9]+)*");

  private final SqlTargets targets;
  private final FlywaySettings settings;
  private final ConnectionPools pools;
  private final Supplier<List<String>> secrets;

  public FlywayMigrations(SqlTargets targets, FlywaySettings settings) {
    this.targets = targets;
    this.settings = settings;
    this.pools = new ConnectionPools(settings.connectTimeout());
    this.secrets = this::knownSecrets;
    FlywayLog.registerSecrets(secrets);
  }

  /** One step's Flyway, its target and folders. */
  private record Job(SqlTarget target, Flyway flyway, List<Path> folders) {}

  @Override
  public StepResult migrate(StepRequest request) {
    JsonNode with = request.with();
    boolean outOfOrder = with.path("outOfOrder").asBoolean(false);
    String target = text(with, "target", "latest");
    if (!target.equals("latest") && !VERSION.matcher(target).matches()) {
      throw FailureType.INVALID_PLAN.failure(
          "target: expected a version such as 42 or 2.1, or latest; got " + target);
    }
    Job job = job(request, c -> c.outOfOrder(outOfOrder).target(target));
    MigrateResult result = call(job, "the migration", () -> job.flyway().migrate());
    ObjectNode outputs = NODES.objectNode();
    List<MigrateOutput> applied = result.migrations == null ? List.of() : result.migrations;
    ArrayNode list = outputs.putArray("applied");
    for (MigrateOutput m : applied.stream().limit(settings.listLimit()).toList()) {
      list.add(entry(m.version, m.description, fileName(m.filepath)));
    }
    MigrationInfoService after = call(job, "reading the schema history", () -> job.flyway().info());
    boolean truncated = applied.size() > settings.listLimit();
    truncated |= pending(outputs, after);
    outputs.putNull("failed");
    putVersion(outputs, "currentVersion", after.current());
    outputs.put("initialVersion", result.initialSchemaVersion);
    outputs.put("truncated", truncated);
    String summary =
        applied.isEmpty()
            ? "no pending migration on " + job.target().name() + ": at version " + current(after)
            : applied.size()
                + (applied.size() == 1 ? " migration" : " migrations")
                + " applied to "
                + job.target().name()
                + ": "
                + (result.initialSchemaVersion == null ? "empty" : result.initialSchemaVersion)
                + " -> "
                + current(after);
    return new StepResult(outputs, summary);
  }

  @Override
  public StepResult info(StepRequest request) {
    Job job = job(request, c -> c);
    MigrationInfoService info = call(job, "reading the schema history", () -> job.flyway().info());
    ObjectNode outputs = NODES.objectNode();
    List<MigrationInfo> applied = new ArrayList<>();
    MigrationInfo failed = null;
    for (MigrationInfo m : info.all()) {
      if (m.getState().isFailed()) {
        failed = failed == null ? m : failed;
      } else if (m.getState().isApplied()) {
        applied.add(m);
      }
    }
    boolean truncated = applied.size() > settings.listLimit();
    ArrayNode list = outputs.putArray("applied");
    for (MigrationInfo m :
        applied.subList(Math.max(0, applied.size() - settings.listLimit()), applied.size())) {
      list.add(entry(m));
    }
    truncated |= pending(outputs, info);
    if (failed == null) {
      outputs.putNull("failed");
    } else {
      outputs.set("failed", failedEntry(job.target(), failed));
    }
    putVersion(outputs, "currentVersion", info.current());
    outputs.put("truncated", truncated);
    int pendingCount = outputs.get("pending").size();
    String summary =
        job.target().name()
            + " at version "
            + current(info)
            + ", "
            + applied.size()
            + " applied, "
            + pendingCount
            + (truncated ? "+" : "")
            + " pending"
            + (failed == null
                ? ""
                : ", FAILED: " + version(failed) + " (" + failed.getScript() + ")");
    return new StepResult(outputs, summary);
  }

  @Override
  public StepResult validate(StepRequest request) {
    // pending migrations are not an error here: validate checks what was applied
    Job job = job(request, c -> c.ignoreMigrationPatterns("*:pending", "*:future"));
    ValidateResult result = call(job, "the validation", () -> job.flyway().validateWithResult());
    ObjectNode outputs = NODES.objectNode();
    outputs.put("valid", result.validationSuccessful);
    ArrayNode errors = outputs.putArray("errors");
    List<ValidateOutput> invalid =
        result.invalidMigrations == null ? List.of() : result.invalidMigrations;
    for (ValidateOutput o : invalid.stream().limit(settings.listLimit()).toList()) {
      ObjectNode e = errors.addObject();
      e.put("version", o.version);
      e.put("script", fileName(o.filepath));
      e.put(
          "message",
          FlywayFailures.firstLines(
              o.errorDetails == null ? o.description : o.errorDetails.errorMessage,
              knownSecrets()));
    }
    if (invalid.isEmpty() && !result.validationSuccessful && result.errorDetails != null) {
      errors
          .addObject()
          .put(
              "message",
              FlywayFailures.firstLines(result.errorDetails.errorMessage, knownSecrets()));
    }
    outputs.put("truncated", invalid.size() > settings.listLimit());
    String summary =
        result.validationSuccessful
            ? result.validateCount + " migrations of " + job.target().name() + " valid"
            : errors.size() + " validation error(s) on " + job.target().name();
    return new StepResult(outputs, summary);
  }

  @Override
  public StepResult repair(StepRequest request) {
    JsonNode with = request.with();
    List<String> revert = new ArrayList<>();
    // an entry that is null or empty (an optional sql param not given) reverts nothing
    with.path("revert")
        .forEach(
            s -> {
              if (s.isTextual() && !s.asText().isBlank()) {
                revert.add(s.asText());
              }
            });
    Job job = job(request, c -> c);
    int reverted = 0;
    if (!revert.isEmpty()) {
      RevertGuard.check(revert);
      String version = text(with, "version", "");
      if (!VERSION.matcher(version).matches()) {
        throw FailureType.INVALID_PLAN.failure(
            "version: the failed migration's version is required with revert, e.g. 3; got '"
                + version
                + "'");
      }
      MigrationInfoService info =
          call(job, "reading the schema history", () -> job.flyway().info());
      boolean stillFailed = false;
      for (MigrationInfo m : info.all()) {
        stillFailed |= m.getState().isFailed() && version.equals(version(m));
      }
      int attempt = attempt();
      if (!stillFailed && attempt == 1) {
        throw FailureType.MIGRATION_FAILED.failure(
            "no failed migration "
                + version
                + " in the schema history of "
                + job.target().name()
                + " ("
                + job.target().environment()
                + "); the revert was not run");
      }
      if (stillFailed && attempt > 1) {
        throw FailureType.MIGRATION_FAILED.failure(
            "attempt "
                + attempt
                + " of the revert of "
                + version
                + " on "
                + job.target().name()
                + ": an earlier attempt may have run part of it, so it is not run again; check"
                + " the schema with flyway.info and a query, then run "
                + FlywayFailures.REPAIR_RUNBOOK
                + " again with the statements still needed");
      }
      if (stillFailed) {
        reverted = Reverts.run(pools, job.target(), version, revert);
      }
    }
    RepairResult result = call(job, "the repair", () -> job.flyway().repair());
    ObjectNode outputs = NODES.objectNode();
    List<String> removed = versions(result.migrationsRemoved);
    List<String> aligned = versions(result.migrationsAligned);
    List<String> deleted = versions(result.migrationsDeleted);
    boolean repaired = !removed.isEmpty() || !aligned.isEmpty() || !deleted.isEmpty();
    outputs.put("repaired", repaired);
    removed.forEach(outputs.putArray("removed")::add);
    aligned.forEach(outputs.putArray("aligned")::add);
    deleted.forEach(outputs.putArray("deleted")::add);
    outputs.put("reverted", reverted);
    String summary =
        (reverted > 0 ? reverted + " revert statement(s) ran, " : "")
            + (repaired
                ? "schema history of "
                    + job.target().name()
                    + " repaired"
                    + (removed.isEmpty()
                        ? ""
                        : ": failed " + String.join(", ", removed) + " removed")
                    + (aligned.isEmpty() ? "" : "; realigned " + String.join(", ", aligned))
                : "schema history of " + job.target().name() + " needed no repair");
    return new StepResult(outputs, summary);
  }

  /**
   * Closes the idle connections to {@code target} now and busy ones when returned (the local
   * provider copies a database only while no session is connected to it).
   */
  public void releaseConnections(SqlTarget target, boolean dropPool) {
    pools.release(target, dropPool);
  }

  /** Closes the connection pools (the worker does on shutdown). */
  @Override
  public void close() {
    FlywayLog.unregisterSecrets(secrets);
    pools.close();
  }

  // ---- Flyway set-up

  private Job job(StepRequest request, java.util.function.UnaryOperator<FluentConfiguration> more) {
    JsonNode with = request.with();
    String database = text(with, "database", "");
    SqlTarget target = targets.get(request.environment(), database);
    List<Path> folders = MigrationFolders.resolve(settings.migrationsRoot(), with, database);
    FluentConfiguration config =
        Flyway.configure(FlywayMigrations.class.getClassLoader())
            .dataSource(new PooledDataSource(pools, target))
            .locations(folders.stream().map(p -> "filesystem:" + p).toArray(String[]::new))
            .loggers(FlywayLog.class.getName())
            .cleanDisabled(true)
            .outOfOrder(false)
            .failOnMissingLocations(true)
            .validateMigrationNaming(true)
            .installedBy(installedBy(request));
    return new Job(target, more.apply(config).load(), folders);
  }

  /** Who applied it, in the schema history (at most 100 characters there). */
  private static String installedBy(StepRequest request) {
    String who = "runbook " + request.launcher() + " " + request.runId();
    return who.length() > 100 ? who.substring(0, 100) : who;
  }

  private <T> T call(Job job, String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (FlywayException e) {
      throw FlywayFailures.of(e, what, job.target(), knownSecrets());
    } catch (RuntimeException e) {
      if (e instanceof io.temporal.failure.ApplicationFailure) {
        throw e;
      }
      throw FlywayFailures.of(e, what, job.target(), knownSecrets());
    }
  }

  private List<String> knownSecrets() {
    List<String> out = new ArrayList<>();
    for (SqlTarget target : targets.all().values()) {
      out.addAll(pools.secretsOf(target));
    }
    return out;
  }

  private static int attempt() {
    try {
      return Activity.getExecutionContext().getInfo().getAttempt();
    } catch (IllegalStateException e) {
      return 1; // called directly, outside an activity (tests, tools)
    }
  }

  // ---- outputs

  /** Sets {@code pending}; true when the list was cut at the limit. */
  private boolean pending(ObjectNode outputs, MigrationInfoService info) {
    // above a migrate's target is still pending: it is what the next migrate would apply
    List<MigrationInfo> pending =
        java.util.Arrays.stream(info.all())
            .filter(
                m ->
                    m.getState() == MigrationState.PENDING
                        || m.getState() == MigrationState.ABOVE_TARGET)
            .toList();
    ArrayNode list = outputs.putArray("pending");
    pending.stream().limit(settings.listLimit()).forEach(m -> list.add(entry(m)));
    return pending.size() > settings.listLimit();
  }

  private static ObjectNode entry(MigrationInfo m) {
    ObjectNode e = entry(version(m), m.getDescription(), m.getScript());
    if (m.getInstalledOn() != null) {
      e.put("installedOn", m.getInstalledOn().toInstant().toString());
    }
    return e;
  }

  private static ObjectNode entry(String version, String description, String script) {
    ObjectNode e = NODES.objectNode();
    e.put("version", version);
    e.put("description", cap(description));
    e.put("script", cap(script));
    return e;
  }

  private static ObjectNode failedEntry(SqlTarget target, MigrationInfo m) {
    ObjectNode e = entry(m);
    e.put("state", m.getState().name());
    // Flyway records a failure only when it could not roll the migration back
    boolean partial = FlywayFailures.partialChangesPossible(target, false);
    e.put("partialChangesPossible", partial);
    e.put(
        "message",
        "migration "
            + version(m)
            + " ("
            + m.getScript()
            + ") failed on "
            + target.name()
            + " ("
            + target.environment()
            + "); "
            + FlywayFailures.leftBehind(target));
    e.put("repair", FlywayFailures.REPAIR_RUNBOOK);
    return e;
  }

  private static void putVersion(ObjectNode outputs, String field, MigrationInfo current) {
    if (current == null || current.getVersion() == null) {
      outputs.putNull(field);
    } else {
      outputs.put(field, current.getVersion().getVersion());
    }
  }

  private static String current(MigrationInfoService info) {
    MigrationInfo current = info.current();
    return current == null || current.getVersion() == null
        ? "(empty)"
        : current.getVersion().getVersion();
  }

  private static String version(MigrationInfo m) {
    return m.getVersion() == null ? null : m.getVersion().getVersion();
  }

  private static List<String> versions(List<RepairOutput> outputs) {
    return outputs == null ? List.of() : outputs.stream().map(o -> o.version).toList();
  }

  private static String fileName(String path) {
    if (path == null) {
      return null;
    }
    Path name = Path.of(path).getFileName();
    return name == null ? path : name.toString();
  }

  private static String cap(String text) {
    return text == null || text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static String text(JsonNode with, String field, String fallback) {
    JsonNode value = with.path(field);
    return value.isMissingNode() || value.isNull() ? fallback : value.asText();
  }
}
