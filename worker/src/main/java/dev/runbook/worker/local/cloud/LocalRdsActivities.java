package dev.runbook.worker.local.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.local.cloud.CloudRegistry.Entry;
import dev.runbook.worker.sql.SqlTarget;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code aws.rds.*} on the {@code local} PostgreSQL. A snapshot is a copy of the database ({@code
 * CREATE DATABASE <snapshot> TEMPLATE <database>}); a point-in-time restore is a NEW database
 * copied from the newest snapshot taken at or before {@code time} (or from the live database for
 * {@code latest: true}); delete drops only a restored database this run made. Each is recorded in
 * the registry before it acts, so a retry finds its own work: idempotent by identifier and
 * idempotency key.
 */
final class LocalRdsActivities implements RdsActivities {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final LocalCloud cloud;
  private final PooledConnections pools;

  LocalRdsActivities(LocalCloud cloud, PooledConnections pools) {
    this.cloud = cloud;
    this.pools = pools;
  }

  @Override
  public StepResult snapshot(StepRequest request) {
    String database = text(request.with(), "database");
    SqlTarget live = cloud.database(database);
    PgServer server = PgServer.of(live);
    JsonNode given = request.with().path("snapshotId");
    String id =
        CloudNames.identifier(
            given.isTextual()
                ? given.asText()
                : database + "-" + request.runbook() + "-" + request.runId());
    Entry entry =
        create(
            server,
            request,
            new Entry(
                cloud.name(),
                CloudRegistry.SNAPSHOT,
                id,
                CloudNames.database(id),
                database,
                live.database(),
                null,
                request.runId(),
                request.stepId(),
                request.idempotencyKey(),
                CloudRegistry.CREATING,
                null),
            live.database(),
            () -> pools.release(live, false));
    ObjectNode outputs = NODES.objectNode();
    outputs.put("snapshotId", entry.id());
    outputs.put("snapshotArn", "arn:local:rds:" + cloud.name() + ":000000000000:snapshot:" + id);
    outputs.put("status", "available");
    outputs.put("database", entry.database());
    outputs.put("takenAt", entry.takenAt().toString());
    outputs.put("simulated", false);
    return new StepResult(
        outputs,
        "snapshot "
            + id
            + " of "
            + database
            + " ("
            + cloud.name()
            + "): a copy of database "
            + live.database()
            + " as "
            + entry.database()
            + ", available");
  }

  @Override
  public StepResult restorePitr(StepRequest request) {
    JsonNode with = request.with();
    String source = text(with, "source");
    SqlTarget live = cloud.database(source);
    PgServer server = PgServer.of(live);
    String id = CloudNames.identifier(text(with, "target"));
    refuseExisting(id, source);
    boolean latest = with.path("latest").asBoolean(false);
    String template;
    String restoredFrom;
    Runnable release;
    Optional<Entry> existing =
        cloud.registry().find(server, cloud.name(), CloudRegistry.INSTANCE, id);
    if (existing.isPresent()
        && existing.get().idempotencyKey().equals(request.idempotencyKey())
        && !existing.get().status().equals(CloudRegistry.DELETED)) {
      restoredFrom = existing.get().restoredFrom(); // a retry: the same source as before
    } else if (latest) {
      restoredFrom = "latest";
    } else {
      Instant at = time(with);
      restoredFrom =
          cloud
              .registry()
              .latestSnapshot(server, cloud.name(), source, at)
              .orElseThrow(
                  () ->
                      FailureType.STEP_FAILED.failure(
                          "no snapshot of "
                              + source
                              + " ("
                              + cloud.name()
                              + ") taken at or before "
                              + at
                              + ": locally the restorable points in time are the snapshots"
                              + " (aws.rds.snapshot, runbooks/snapshot.yaml); or restore"
                              + " latest: true"))
              .id();
    }
    if (restoredFrom.equals("latest")) {
      template = live.database();
      release = () -> pools.release(live, false);
    } else {
      template =
          cloud
              .registry()
              .find(server, cloud.name(), CloudRegistry.SNAPSHOT, restoredFrom)
              .map(Entry::database)
              .orElseThrow(
                  () ->
                      FailureType.STEP_FAILED.failure(
                          "snapshot " + restoredFrom + " is no longer in the registry"));
      release = () -> {};
    }
    Entry entry =
        create(
            server,
            request,
            new Entry(
                cloud.name(),
                CloudRegistry.INSTANCE,
                id,
                CloudNames.database(id),
                source,
                live.database(),
                restoredFrom,
                request.runId(),
                request.stepId(),
                request.idempotencyKey(),
                CloudRegistry.CREATING,
                null),
            template,
            release);
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", entry.id());
    outputs.put("endpoint", live.host());
    outputs.put("port", live.port());
    outputs.put("database", entry.database());
    outputs.put("restoredFrom", restoredFrom);
    outputs.put("status", "available");
    return new StepResult(
        outputs,
        "restored "
            + source
            + " ("
            + cloud.name()
            + ") to the NEW database "
            + entry.database()
            + " (instance "
            + id
            + ") from "
            + (restoredFrom.equals("latest")
                ? "the live database (latest)"
                : "snapshot " + restoredFrom)
            + "; production untouched");
  }

  @Override
  public StepResult delete(StepRequest request) {
    String instance = text(request.with(), "instance");
    String id = CloudNames.identifier(instance);
    LocalCloud.Located found =
        cloud
            .findInstance(id)
            .orElseThrow(
                () ->
                    FailureType.NOT_OWNED.failure(
                        "instance "
                            + instance
                            + " was not restored by the local provider in "
                            + cloud.name()
                            + ": aws.rds.delete drops only what this run created; refused"));
    Entry entry = found.entry();
    if (!entry.runId().equals(request.runId())) {
      throw FailureType.NOT_OWNED.failure(
          "instance "
              + id
              + " was restored by run "
              + entry.runId()
              + ", not by this run: aws.rds.delete drops only what this run created; refused");
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", id);
    outputs.put("deleted", true);
    if (entry.status().equals(CloudRegistry.DELETED)) {
      outputs.put("alreadyDeleted", true);
      return new StepResult(
          outputs,
          "instance " + id + " (" + entry.database() + ") was already deleted by this run");
    }
    SqlTarget copy = LocalCloud.copyTarget(cloud.database(entry.source()), entry);
    DatabaseCopier.drop(found.server(), entry.database(), () -> pools.release(copy, true));
    cloud.registry().deleted(found.server(), entry);
    outputs.put("alreadyDeleted", false);
    return new StepResult(
        outputs,
        "deleted instance "
            + id
            + ": dropped database "
            + entry.database()
            + " ("
            + cloud.name()
            + ")");
  }

  /**
   * Records {@code wanted} (or finds this step's own earlier record), makes its database as a copy
   * of {@code template} unless it exists already, and returns the entry as available.
   */
  private Entry create(
      PgServer server, StepRequest request, Entry wanted, String template, Runnable release) {
    CloudRegistry registry = cloud.registry();
    Optional<Entry> recorded =
        registry.find(server, wanted.environment(), wanted.kind(), wanted.id());
    boolean ours =
        recorded.isPresent()
            && recorded.get().idempotencyKey().equals(request.idempotencyKey())
            && !recorded.get().status().equals(CloudRegistry.DELETED);
    if (recorded.isPresent() && !ours && !recorded.get().status().equals(CloudRegistry.DELETED)) {
      throw FailureType.STEP_FAILED.failure(
          wanted.kind()
              + " "
              + wanted.id()
              + " already exists (made by run "
              + recorded.get().runId()
              + ", step "
              + recorded.get().stepId()
              + "): choose another identifier");
    }
    Entry entry = ours ? recorded.get() : wanted;
    if (ours && entry.status().equals(CloudRegistry.AVAILABLE)) {
      return entry; // a retry after success
    }
    boolean exists = CloudRegistry.databaseExists(server, entry.database());
    if (!ours) {
      if (exists) {
        throw FailureType.STEP_FAILED.failure(
            "a database "
                + entry.database()
                + " already exists on the server and the local provider did not make it; choose"
                + " another identifier");
      }
      if (!registry.claim(server, entry)) {
        throw FailureType.TRANSIENT.failure(
            wanted.kind() + " " + wanted.id() + " is being recorded by another attempt; retrying");
      }
    }
    if (!exists) {
      DatabaseCopier.copy(server, template, entry.database(), release);
    }
    return registry.available(server, entry);
  }

  /** A point-in-time restore must make a NEW database: never one of the environment's. */
  private void refuseExisting(String id, String source) {
    String database = CloudNames.database(id);
    for (SqlTarget target : cloudTargets()) {
      if (target.name().toLowerCase(Locale.ROOT).equals(id) || target.database().equals(database)) {
        throw FailureType.INVALID_PLAN.failure(
            "restore target "
                + id
                + (target.name().equals(source) ? " is the source " : " is the database ")
                + target.name()
                + " of "
                + cloud.name()
                + ": a point-in-time restore creates a NEW instance, never over a live one");
      }
    }
  }

  private java.util.List<SqlTarget> cloudTargets() {
    return cloud.spec().databases().keySet().stream().map(cloud::database).toList();
  }

  private static Instant time(JsonNode with) {
    JsonNode time = with.path("time");
    if (!time.isTextual()) {
      throw FailureType.INVALID_PLAN.failure("give time (RFC 3339) or latest: true");
    }
    try {
      return OffsetDateTime.parse(time.asText()).toInstant();
    } catch (DateTimeParseException e) {
      throw FailureType.INVALID_PLAN.failure(
          "time: expected RFC 3339 such as 2026-11-21T08:00:00Z, got " + time.asText());
    }
  }

  private static String text(JsonNode with, String field) {
    JsonNode value = with.path(field);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw FailureType.INVALID_PLAN.failure(field + ": expected text, got " + value);
    }
    return value.asText();
  }
}
