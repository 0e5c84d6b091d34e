package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DBSnapshot;
import software.amazon.awssdk.services.rds.model.Tag;
import software.amazon.awssdk.services.rds.model.VpcSecurityGroupMembership;

/**
 * RDS snapshots, point-in-time restores to a NEW identifier, and deleting what a run restored.
 * Everything the engine creates carries the tag {@code runbook:run-id}: a retried step finds what
 * its earlier attempt created and continues with it; anything named the same but not tagged with
 * this run is refused (NOT_OWNED), and so is a delete of anything this run did not create.
 */
public final class RdsSteps implements RdsActivities, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RdsSteps.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final AwsClients clients;
  private final AwsEnvironment env;
  private final Waiting waiting;

  public RdsSteps(AwsClients clients, AwsSettings settings) {
    this.clients = clients;
    this.env = clients.environment();
    this.waiting = new Waiting(settings);
  }

  @Override
  public StepResult snapshot(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    AwsEnvironment.Database db = env.database(AwsInputs.text(request.with(), "database"));
    String source = rdsId(db);
    boolean cluster = db.rdsClusterId() != null;
    String given = AwsInputs.optionalText(request.with(), "snapshotId");
    String id =
        given != null
            ? RdsNames.check(given, RdsNames.SNAPSHOT_MAX, "snapshotId")
            : RdsNames.snapshot(db.name(), request.runbook(), request.runId(), request.stepId());
    AwsCalls calls = new AwsCalls(env);
    RdsLookup lookup = new RdsLookup(clients.rds(), calls);
    RdsClient rds = clients.rds();
    List<Tag> tags = tags(request);
    String what = (cluster ? "cluster snapshot " : "snapshot ") + id;
    boolean created;
    if (cluster) {
      Optional<DBClusterSnapshot> existing = lookup.clusterSnapshot(id);
      existing.ifPresent(s -> owned(calls, what, s.tagList(), request));
      created = existing.isEmpty();
      if (created) {
        calls.run(
            "rds:CreateDBClusterSnapshot",
            what + " of cluster " + source,
            () ->
                rds.createDBClusterSnapshot(
                    b -> b.dbClusterIdentifier(source).dbClusterSnapshotIdentifier(id).tags(tags)));
      }
    } else {
      Optional<DBSnapshot> existing = lookup.snapshot(id);
      existing.ifPresent(s -> owned(calls, what, s.tagList(), request));
      created = existing.isEmpty();
      if (created) {
        calls.run(
            "rds:CreateDBSnapshot",
            what + " of instance " + source,
            () ->
                rds.createDBSnapshot(
                    b -> b.dbInstanceIdentifier(source).dbSnapshotIdentifier(id).tags(tags)));
      }
    }
    if (created) {
      LOG.info("{}: snapshot {} of {} requested", request.runId(), id, source);
    }
    String[] arn = new String[1];
    String status =
        waiting.until(
            what + " to be available",
            calls,
            () -> {
              String now;
              Integer progress;
              if (cluster) {
                DBClusterSnapshot s = lookup.clusterSnapshot(id).orElse(null);
                now = s == null ? "not visible yet" : s.status();
                progress = s == null ? null : s.percentProgress();
                arn[0] = s == null ? null : s.dbClusterSnapshotArn();
              } else {
                DBSnapshot s = lookup.snapshot(id).orElse(null);
                now = s == null ? "not visible yet" : s.status();
                progress = s == null ? null : s.percentProgress();
                arn[0] = s == null ? null : s.dbSnapshotArn();
              }
              if ("available".equals(now)) {
                return Waiting.Look.done(now);
              }
              if (now != null && (now.contains("fail") || now.equals("error"))) {
                throw calls.fail(FailureType.STEP_FAILED, what + " of " + source + " is " + now);
              }
              return Waiting.Look.waiting(now + (progress == null ? "" : " " + progress + "%"));
            });
    ObjectNode out = NODES.objectNode();
    out.put("snapshotId", id);
    out.put("snapshotArn", arn[0]);
    out.put("status", status);
    out.put("source", source);
    out.put("kind", cluster ? "cluster" : "instance");
    return new StepResult(
        out,
        what
            + " of "
            + source
            + (created ? " taken" : " found (taken by an earlier attempt)")
            + ", "
            + status);
  }

  @Override
  public StepResult restorePitr(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    AwsEnvironment.Database db = env.database(AwsInputs.text(request.with(), "source"));
    String source = rdsId(db);
    String target =
        RdsNames.check(AwsInputs.text(request.with(), "target"), RdsNames.INSTANCE_MAX, "target");
    for (AwsEnvironment.Database other : env.databases().values()) {
      if (other.rdsId() != null && other.rdsId().equalsIgnoreCase(target)) {
        throw FailureType.INVALID_PLAN.failure(
            "refused: restore target "
                + target
                + " is "
                + (other == db ? "the source" : "database " + other.name() + " of " + env.name())
                + ": a point-in-time restore must create a NEW instance");
      }
    }
    Instant time = time(request);
    String instanceClass = AwsInputs.optionalText(request.with(), "instanceClass");
    AwsCalls calls = new AwsCalls(env);
    RdsLookup lookup = new RdsLookup(clients.rds(), calls);
    String when = time == null ? "the latest restorable time" : time.toString();
    return db.rdsClusterId() != null
        ? restoreCluster(request, calls, lookup, source, target, time, instanceClass, when)
        : restoreInstance(request, calls, lookup, source, target, time, instanceClass, when);
  }

  private StepResult restoreInstance(
      StepRequest request,
      AwsCalls calls,
      RdsLookup lookup,
      String source,
      String target,
      Instant time,
      String instanceClass,
      String when) {
    RdsClient rds = clients.rds();
    Optional<DBInstance> existing = lookup.instance(target);
    existing.ifPresent(i -> owned(calls, "instance " + target, i.tagList(), request));
    if (existing.isEmpty()) {
      DBInstance from =
          lookup
              .instance(source)
              .orElseThrow(
                  () ->
                      calls.fail(
                          FailureType.CONFIGURATION,
                          "source instance " + source + " not found in " + env.region()));
      List<String> groups =
          from.vpcSecurityGroups().stream()
              .map(VpcSecurityGroupMembership::vpcSecurityGroupId)
              .toList();
      calls.run(
          "rds:RestoreDBInstanceToPointInTime",
          "instance " + source + " -> " + target,
          () ->
              rds.restoreDBInstanceToPointInTime(
                  b -> {
                    b.sourceDBInstanceIdentifier(source)
                        .targetDBInstanceIdentifier(target)
                        .multiAZ(false)
                        .deletionProtection(false)
                        .tags(tags(request));
                    if (time == null) {
                      b.useLatestRestorableTime(true);
                    } else {
                      b.restoreTime(time);
                    }
                    if (instanceClass != null) {
                      b.dbInstanceClass(instanceClass);
                    }
                    // AWS would otherwise pick the default subnet group and security group
                    if (from.dbSubnetGroup() != null) {
                      b.dbSubnetGroupName(from.dbSubnetGroup().dbSubnetGroupName());
                    }
                    if (!groups.isEmpty()) {
                      b.vpcSecurityGroupIds(groups);
                    }
                    if (from.publiclyAccessible() != null) {
                      b.publiclyAccessible(from.publiclyAccessible());
                    }
                  }));
      LOG.info("{}: restore of {} to {} at {} requested", request.runId(), source, target, when);
    }
    DBInstance ready = waitForInstance(calls, lookup, target);
    ObjectNode out = NODES.objectNode();
    out.put("instanceId", target);
    out.putNull("clusterId");
    out.put("endpoint", ready.endpoint() == null ? null : ready.endpoint().address());
    if (ready.endpoint() != null && ready.endpoint().port() != null) {
      out.put("port", ready.endpoint().port());
    }
    out.put("source", source);
    out.put("restoreTime", when);
    return new StepResult(
        out,
        "restored "
            + source
            + " at "
            + when
            + " to the new instance "
            + target
            + (existing.isPresent() ? " (found from an earlier attempt)" : "")
            + ", available at "
            + out.path("endpoint").asText());
  }

  private StepResult restoreCluster(
      StepRequest request,
      AwsCalls calls,
      RdsLookup lookup,
      String source,
      String target,
      Instant time,
      String instanceClass,
      String when) {
    RdsClient rds = clients.rds();
    DBCluster from =
        lookup
            .cluster(source)
            .orElseThrow(
                () ->
                    calls.fail(
                        FailureType.CONFIGURATION,
                        "source cluster " + source + " not found in " + env.region()));
    Optional<DBCluster> existing = lookup.cluster(target);
    existing.ifPresent(c -> owned(calls, "cluster " + target, c.tagList(), request));
    if (existing.isEmpty()) {
      List<String> groups =
          from.vpcSecurityGroups().stream()
              .map(VpcSecurityGroupMembership::vpcSecurityGroupId)
              .toList();
      calls.run(
          "rds:RestoreDBClusterToPointInTime",
          "cluster " + source + " -> " + target,
          () ->
              rds.restoreDBClusterToPointInTime(
                  b -> {
                    b.sourceDBClusterIdentifier(source)
                        .dbClusterIdentifier(target)
                        .deletionProtection(false)
                        .tags(tags(request));
                    if (time == null) {
                      b.useLatestRestorableTime(true);
                    } else {
                      b.restoreToTime(time);
                    }
                    if (from.dbSubnetGroup() != null) {
                      b.dbSubnetGroupName(from.dbSubnetGroup());
                    }
                    if (!groups.isEmpty()) {
                      b.vpcSecurityGroupIds(groups);
                    }
                  }));
      LOG.info(
          "{}: restore of cluster {} to {} at {} requested", request.runId(), source, target, when);
    }
    // a restored cluster has no instance: create its writer
    String instance = RdsNames.clusterInstance(target);
    Optional<DBInstance> member = lookup.instance(instance);
    member.ifPresent(i -> owned(calls, "instance " + instance, i.tagList(), request));
    if (member.isEmpty()) {
      String cls = instanceClass != null ? instanceClass : writerClass(calls, lookup, from);
      calls.run(
          "rds:CreateDBInstance",
          "instance " + instance + " in cluster " + target,
          () ->
              rds.createDBInstance(
                  b ->
                      b.dbInstanceIdentifier(instance)
                          .dbClusterIdentifier(target)
                          .engine(from.engine())
                          .dbInstanceClass(cls)
                          .tags(tags(request))));
    }
    DBCluster ready =
        waiting.until(
            "cluster " + target + " to be available",
            calls,
            () -> {
              DBCluster c = lookup.cluster(target).orElse(null);
              String now = c == null ? "not visible yet" : c.status();
              failIfBroken(calls, "cluster " + target, now);
              return "available".equals(now) ? Waiting.Look.done(c) : Waiting.Look.waiting(now);
            });
    waitForInstance(calls, lookup, instance);
    ObjectNode out = NODES.objectNode();
    out.put("instanceId", instance);
    out.put("clusterId", target);
    out.put("endpoint", ready.endpoint());
    if (ready.port() != null) {
      out.put("port", ready.port());
    }
    out.put("source", source);
    out.put("restoreTime", when);
    return new StepResult(
        out,
        "restored cluster "
            + source
            + " at "
            + when
            + " to the new cluster "
            + target
            + " with instance "
            + instance
            + ", available at "
            + ready.endpoint());
  }

  @Override
  public StepResult delete(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String id = AwsInputs.text(request.with(), "instance");
    boolean skipFinal = AwsInputs.bool(request.with(), "skipFinalSnapshot", false);
    AwsCalls calls = new AwsCalls(env);
    RdsLookup lookup = new RdsLookup(clients.rds(), calls);
    RdsClient rds = clients.rds();
    ObjectNode out = NODES.objectNode();
    out.put("instanceId", id);
    Optional<DBInstance> found = lookup.instance(id);
    if (found.isEmpty()) {
      out.put("deleted", false);
      out.put("reason", "no such instance (never created, or already deleted)");
      out.putNull("clusterId");
      out.putNull("finalSnapshotId");
      return new StepResult(out, "nothing to delete: instance " + id + " does not exist");
    }
    DBInstance instance = found.get();
    owned(calls, "instance " + id, instance.tagList(), request);
    String cluster = instance.dbClusterIdentifier();
    String finalSnapshot = skipFinal ? null : RdsNames.fit(id + "-final", RdsNames.SNAPSHOT_MAX);
    if (!"deleting".equals(instance.dbInstanceStatus())) {
      calls.attempt(
          "rds:DeleteDBInstance",
          "instance " + id,
          java.util.Set.of("DBInstanceNotFound", "DBInstanceNotFoundFault"),
          () ->
              rds.deleteDBInstance(
                  b -> {
                    b.dbInstanceIdentifier(id).deleteAutomatedBackups(true);
                    if (cluster == null) { // a cluster member's data is the cluster's
                      if (skipFinal) {
                        b.skipFinalSnapshot(true);
                      } else {
                        b.skipFinalSnapshot(false).finalDBSnapshotIdentifier(finalSnapshot);
                      }
                    }
                  }));
      LOG.info("{}: deleting instance {}", request.runId(), id);
    }
    String summary = "deleting instance " + id;
    if (cluster != null) {
      Optional<DBCluster> c = lookup.cluster(cluster);
      if (c.isPresent() && request.runId().equals(RdsLookup.tag(c.get().tagList(), Tags.RUN_ID))) {
        // a cluster can only go once its instances are gone
        waiting.until(
            "instance " + id + " to be deleted before its cluster " + cluster,
            calls,
            () -> {
              Optional<DBInstance> still = lookup.instance(id);
              return still.isEmpty()
                  ? Waiting.Look.done("gone")
                  : Waiting.Look.waiting(still.get().dbInstanceStatus());
            });
        if (!"deleting".equals(c.get().status())) {
          calls.attempt(
              "rds:DeleteDBCluster",
              "cluster " + cluster,
              java.util.Set.of("DBClusterNotFoundFault"),
              () ->
                  rds.deleteDBCluster(
                      b -> {
                        b.dbClusterIdentifier(cluster);
                        if (skipFinal) {
                          b.skipFinalSnapshot(true);
                        } else {
                          b.skipFinalSnapshot(false)
                              .finalDBSnapshotIdentifier(
                                  RdsNames.fit(cluster + "-final", RdsNames.SNAPSHOT_MAX));
                        }
                      }));
        }
        out.put("clusterId", cluster);
        summary += " and its cluster " + cluster;
      } else {
        summary += " (its cluster " + cluster + " was not created by this run: left in place)";
      }
    }
    out.put("deleted", true);
    if (!out.has("clusterId")) {
      out.putNull("clusterId");
    }
    if (finalSnapshot != null && cluster == null) {
      out.put("finalSnapshotId", finalSnapshot);
      summary += ", final snapshot " + finalSnapshot;
    } else {
      out.putNull("finalSnapshotId");
    }
    out.put("reason", "tagged " + Tags.RUN_ID + "=" + request.runId());
    return new StepResult(out, summary);
  }

  private DBInstance waitForInstance(AwsCalls calls, RdsLookup lookup, String id) {
    return waiting.until(
        "instance " + id + " to be available",
        calls,
        () -> {
          DBInstance i = lookup.instance(id).orElse(null);
          String now = i == null ? "not visible yet" : i.dbInstanceStatus();
          failIfBroken(calls, "instance " + id, now);
          return "available".equals(now) ? Waiting.Look.done(i) : Waiting.Look.waiting(now);
        });
  }

  private static void failIfBroken(AwsCalls calls, String what, String status) {
    if (status != null
        && (status.equals("failed")
            || status.equals("incompatible-restore")
            || status.equals("incompatible-parameters")
            || status.equals("incompatible-network")
            || status.equals("deleting"))) {
      throw calls.fail(FailureType.STEP_FAILED, what + " is " + status);
    }
  }

  private String writerClass(AwsCalls calls, RdsLookup lookup, DBCluster from) {
    String writer =
        from.dbClusterMembers().stream()
            .filter(m -> Boolean.TRUE.equals(m.isClusterWriter()))
            .map(m -> m.dbInstanceIdentifier())
            .findFirst()
            .orElse(null);
    DBInstance w = writer == null ? null : lookup.instance(writer).orElse(null);
    if (w == null || w.dbInstanceClass() == null) {
      throw calls.fail(
          FailureType.INVALID_PLAN,
          "cluster "
              + from.dbClusterIdentifier()
              + " has no writer instance to copy the class from: give instanceClass");
    }
    return w.dbInstanceClass();
  }

  /** Refuses {@code what} unless its {@code runbook:run-id} tag names this run. */
  private static void owned(AwsCalls calls, String what, List<Tag> tags, StepRequest request) {
    String owner = RdsLookup.tag(tags, Tags.RUN_ID);
    if (!request.runId().equals(owner)) {
      throw calls.fail(
          FailureType.NOT_OWNED,
          "refused: "
              + what
              + " exists and was not created by this run ("
              + (owner == null ? "it has no " + Tags.RUN_ID + " tag" : Tags.RUN_ID + " is " + owner)
              + "); the engine only touches what its run created");
    }
  }

  private List<Tag> tags(StepRequest request) {
    return List.of(
        Tag.builder().key(Tags.RUN_ID).value(request.runId()).build(),
        Tag.builder().key(Tags.RUNBOOK).value(Tags.value(request.runbook())).build(),
        Tag.builder().key(Tags.STEP).value(Tags.value(request.stepId())).build());
  }

  private String rdsId(AwsEnvironment.Database db) {
    if (db.rdsId() == null) {
      throw FailureType.CONFIGURATION.failure(
          "database "
              + db.name()
              + " of "
              + env.name()
              + " has no rds.instanceId or rds.clusterId in its environment file");
    }
    return db.rdsId();
  }

  private static Instant time(StepRequest request) {
    String text = AwsInputs.optionalText(request.with(), "time");
    boolean latest = AwsInputs.bool(request.with(), "latest", false);
    if ((text == null) == !latest) {
      throw FailureType.INVALID_PLAN.failure("give exactly one of time or latest: true");
    }
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT)).toInstant();
    } catch (DateTimeParseException e) {
      throw FailureType.INVALID_PLAN.failure(
          "time: expected an RFC 3339 timestamp such as 2026-01-31T09:30:00Z, got " + text);
    }
  }

  @Override
  public void close() {
    clients.close();
  }
}
