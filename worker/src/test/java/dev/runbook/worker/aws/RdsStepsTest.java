package dev.runbook.worker.aws;

import static dev.runbook.worker.aws.AwsStub.request;
import static dev.runbook.worker.aws.AwsTestKit.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.engine.activities.StepResult;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The RDS steps against the AWS stub: snapshots, restores to a new identifier, deletes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RdsStepsTest {
  private final AwsTestKit kit = new AwsTestKit();
  private static final String SNAPSHOT = "platform-snapshot-stage-ops-1-step";

  @AfterEach
  void close() {
    kit.close();
  }

  static String tags(String runId) {
    return runId == null
        ? "<TagList/>"
        : "<TagList><Tag><Key>runbook:run-id</Key><Value>" + runId + "</Value></Tag></TagList>";
  }

  static String snapshot(String id, String status, String runId) {
    return "<DBSnapshots><DBSnapshot><DBSnapshotIdentifier>"
        + id
        + "</DBSnapshotIdentifier><DBInstanceIdentifier>platform-stage</DBInstanceIdentifier>"
        + "<Status>"
        + status
        + "</Status><PercentProgress>40</PercentProgress><DBSnapshotArn>arn:aws:rds:eu-west-1:123456789012:snapshot:"
        + id
        + "</DBSnapshotArn>"
        + tags(runId)
        + "</DBSnapshot></DBSnapshots>";
  }

  static String instance(String id, String status, String runId, String cluster) {
    return "<DBInstances><DBInstance><DBInstanceIdentifier>"
        + id
        + "</DBInstanceIdentifier><DBInstanceStatus>"
        + status
        + "</DBInstanceStatus><DBInstanceClass>db.r6g.large</DBInstanceClass>"
        + "<Endpoint><Address>"
        + id
        + ".c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>"
        + "<DBSubnetGroup><DBSubnetGroupName>db-private</DBSubnetGroupName></DBSubnetGroup>"
        + "<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0db0000000000001"
        + "</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>"
        + "<PubliclyAccessible>false</PubliclyAccessible>"
        + (cluster == null ? "" : "<DBClusterIdentifier>" + cluster + "</DBClusterIdentifier>")
        + tags(runId)
        + "</DBInstance></DBInstances>";
  }

  static String cluster(String id, String status, String runId) {
    return "<DBClusters><DBCluster><DBClusterIdentifier>"
        + id
        + "</DBClusterIdentifier><Status>"
        + status
        + "</Status><Engine>aurora-postgresql</Engine><Endpoint>"
        + id
        + ".cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com</Endpoint><Port>5432</Port>"
        + "<DBSubnetGroup>db-private</DBSubnetGroup><VpcSecurityGroups><VpcSecurityGroupMembership>"
        + "<VpcSecurityGroupId>sg-0db0000000000001</VpcSecurityGroupId><Status>active</Status>"
        + "</VpcSecurityGroupMembership></VpcSecurityGroups><DBClusterMembers><DBClusterMember>"
        + "<DBInstanceIdentifier>"
        + id
        + "-a</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember>"
        + "</DBClusterMembers>"
        + tags(runId)
        + "</DBCluster></DBClusters>";
  }

  @Test
  void aSnapshotIsNamedTaggedAndWaitedForReadingEveryPageOfTheLookup() {
    // the lookup before the create: an empty first page with a Marker, then an empty last page
    kit.aws.rdsSequence(
        "DescribeDBSnapshots",
        List.of(
            "<DBSnapshots/><Marker>page-2</Marker>",
            "<DBSnapshots/>",
            snapshot(SNAPSHOT, "creating", "stage-ops-1"),
            snapshot(SNAPSHOT, "available", "stage-ops-1")));
    kit.aws.rds("CreateDBSnapshot", "<DBSnapshot/>");

    StepResult r =
        kit.rds.snapshot(
            request("stage-ops-1", "aws.rds.snapshot", "{\"database\": \"platform\"}"));

    assertEquals(SNAPSHOT, r.outputs().path("snapshotId").asText());
    assertEquals("available", r.outputs().path("status").asText());
    assertEquals(
        "arn:aws:rds:eu-west-1:123456789012:snapshot:" + SNAPSHOT,
        r.outputs().path("snapshotArn").asText());
    List<Map<String, String>> looks = kit.aws.requests("DescribeDBSnapshots");
    assertEquals("db-snapshot-id", looks.get(0).get("Filters.Filter.1.Name"));
    assertEquals(SNAPSHOT, looks.get(0).get("Filters.Filter.1.Values.Value.1"));
    assertEquals(null, looks.get(0).get("Marker"));
    assertEquals("page-2", looks.get(1).get("Marker"));
    assertEquals(
        Map.of(
            "Action", "CreateDBSnapshot",
            "Version", "2014-10-31",
            "DBInstanceIdentifier", "platform-stage",
            "DBSnapshotIdentifier", SNAPSHOT,
            "Tags.Tag.1.Key", "runbook:run-id",
            "Tags.Tag.1.Value", "stage-ops-1",
            "Tags.Tag.2.Key", "runbook:runbook",
            "Tags.Tag.2.Value", "snapshot",
            "Tags.Tag.3.Key", "runbook:step",
            "Tags.Tag.3.Value", "step"),
        kit.aws.requests("CreateDBSnapshot").get(0));
    assertEquals(
        List.of("snapshot " + SNAPSHOT + " to be available: creating 40% (look 1)"),
        kit.heartbeats);
  }

  @Test
  void aRetriedSnapshotFindsTheOneItsRunAlreadyStarted() {
    kit.aws.rds("DescribeDBSnapshots", snapshot(SNAPSHOT, "available", "stage-ops-1"));

    StepResult r =
        kit.rds.snapshot(
            request("stage-ops-1", "aws.rds.snapshot", "{\"database\": \"platform\"}"));

    assertEquals("available", r.outputs().path("status").asText());
    assertTrue(kit.aws.requests("CreateDBSnapshot").isEmpty());
    assertTrue(r.summary().contains("found (taken by an earlier attempt)"), r.summary());
  }

  @Test
  void aSnapshotNameTakenByAnotherRunIsRefused() {
    kit.aws.rds("DescribeDBSnapshots", snapshot("before-migration", "available", null));

    ApplicationFailure f =
        failure(
            () ->
                kit.rds.snapshot(
                    request(
                        "aws.rds.snapshot",
                        "{\"database\": \"platform\", \"snapshotId\": \"before-migration\"}")));

    assertEquals("NOT_OWNED", f.getType());
    assertEquals(
        "refused: snapshot before-migration exists and was not created by this run (it has no"
            + " runbook:run-id tag); the engine only touches what its run created",
        f.getOriginalMessage());
  }

  @Test
  void aClusterDatabaseGetsAClusterSnapshot() {
    kit.aws.rdsSequence(
        "DescribeDBClusterSnapshots",
        List.of(
            "<DBClusterSnapshots/>",
            "<DBClusterSnapshots><DBClusterSnapshot><DBClusterSnapshotIdentifier>analytics-snap"
                + "</DBClusterSnapshotIdentifier><Status>available</Status><DBClusterSnapshotArn>"
                + "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:analytics-snap"
                + "</DBClusterSnapshotArn>"
                + tags("run-1")
                + "</DBClusterSnapshot></DBClusterSnapshots>"));
    kit.aws.rds("CreateDBClusterSnapshot", "<DBClusterSnapshot/>");

    StepResult r =
        kit.rds.snapshot(
            request(
                "aws.rds.snapshot",
                "{\"database\": \"analytics\", \"snapshotId\": \"analytics-snap\"}"));

    assertEquals("cluster", r.outputs().path("kind").asText());
    Map<String, String> create = kit.aws.requests("CreateDBClusterSnapshot").get(0);
    assertEquals("analytics-stage", create.get("DBClusterIdentifier"));
    assertEquals("analytics-snap", create.get("DBClusterSnapshotIdentifier"));
    assertEquals("run-1", create.get("Tags.Tag.1.Value"));
  }

  @Test
  void aRestoreToTheSourceIsRefusedAtRunTimeBeforeAnyCall() {
    ApplicationFailure f =
        failure(
            () ->
                kit.rds.restorePitr(
                    request(
                        "aws.rds.restore-pitr",
                        "{\"source\": \"platform\", \"target\": \"Platform-Stage\", \"latest\": true}")));

    assertEquals("INVALID_PLAN", f.getType());
    assertEquals(
        "refused: restore target Platform-Stage is the source: a point-in-time restore must create"
            + " a NEW instance",
        f.getOriginalMessage());
    assertEquals(List.of(), kit.aws.actions());
  }

  @Test
  void aRestoreOntoAnExistingInstanceOfSomeoneElseIsRefused() {
    kit.aws.rdsWhen(
        "DescribeDBInstances",
        "Filters.Filter.1.Values.Value.1=platform-copy",
        instance("platform-copy", "available", "another-run", null));

    ApplicationFailure f =
        failure(
            () ->
                kit.rds.restorePitr(
                    request(
                        "aws.rds.restore-pitr",
                        "{\"source\": \"platform\", \"target\": \"platform-copy\", \"latest\": true}")));

    assertEquals("NOT_OWNED", f.getType());
    assertTrue(
        f.getOriginalMessage().contains("runbook:run-id is another-run"), f.getOriginalMessage());
    assertTrue(kit.aws.requests("RestoreDBInstanceToPointInTime").isEmpty());
  }

  @Test
  void anInstanceIsRestoredAtATimeIntoTheSourcesNetworkAndWaitedFor() {
    kit.aws.rdsWhen(
        "DescribeDBInstances",
        "Filters.Filter.1.Values.Value.1=platform-stage",
        instance("platform-stage", "available", null, null));
    kit.aws.rdsSequence(
        "DescribeDBInstances",
        List.of(
            "<DBInstances/>",
            instance("platform-pitr", "creating", "run-1", null),
            instance("platform-pitr", "available", "run-1", null)));
    kit.aws.rds("RestoreDBInstanceToPointInTime", "<DBInstance/>");

    StepResult r =
        kit.rds.restorePitr(
            request(
                "aws.rds.restore-pitr",
                "{\"source\": \"platform\", \"target\": \"platform-pitr\","
                    + " \"time\": \"2026-12-06T09:30:00+01:00\"}"));

    assertEquals(
        Map.ofEntries(
            Map.entry("Action", "RestoreDBInstanceToPointInTime"),
            Map.entry("Version", "2014-10-31"),
            Map.entry("SourceDBInstanceIdentifier", "platform-stage"),
            Map.entry("TargetDBInstanceIdentifier", "platform-pitr"),
            Map.entry("RestoreTime", "2026-12-06T08:30:00Z"),
            Map.entry("MultiAZ", "false"),
            Map.entry("DeletionProtection", "false"),
            Map.entry("DBSubnetGroupName", "db-private"),
            Map.entry("VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-0db0000000000001"),
            Map.entry("PubliclyAccessible", "false"),
            Map.entry("Tags.Tag.1.Key", "runbook:run-id"),
            Map.entry("Tags.Tag.1.Value", "run-1"),
            Map.entry("Tags.Tag.2.Key", "runbook:runbook"),
            Map.entry("Tags.Tag.2.Value", "snapshot"),
            Map.entry("Tags.Tag.3.Key", "runbook:step"),
            Map.entry("Tags.Tag.3.Value", "step")),
        kit.aws.requests("RestoreDBInstanceToPointInTime").get(0));
    assertEquals(
        "{\"instanceId\":\"platform-pitr\",\"clusterId\":null,\"endpoint\":\"platform-pitr.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com\","
            + "\"port\":5432,\"source\":\"platform-stage\",\"restoreTime\":\"2026-12-06T08:30:00Z\"}",
        r.outputs().toString());
  }

  @Test
  void aClusterIsRestoredToTheLatestTimeWithANewWriterInstance() {
    kit.aws.rdsWhen(
        "DescribeDBClusters",
        "Filters.Filter.1.Values.Value.1=analytics-stage",
        cluster("analytics-stage", "available", null));
    kit.aws.rdsWhen(
        "DescribeDBInstances",
        "Filters.Filter.1.Values.Value.1=analytics-stage-a",
        instance("analytics-stage-a", "available", null, "analytics-stage"));
    kit.aws.rdsSequence(
        "DescribeDBClusters",
        List.of("<DBClusters/>", cluster("analytics-pitr", "available", "run-1")));
    kit.aws.rdsSequence(
        "DescribeDBInstances",
        List.of(
            "<DBInstances/>",
            instance("analytics-pitr-1", "available", "run-1", "analytics-pitr")));
    kit.aws.rds("RestoreDBClusterToPointInTime", "<DBCluster/>");
    kit.aws.rds("CreateDBInstance", "<DBInstance/>");

    StepResult r =
        kit.rds.restorePitr(
            request(
                "aws.rds.restore-pitr",
                "{\"source\": \"analytics\", \"target\": \"analytics-pitr\", \"latest\": true}"));

    Map<String, String> restore = kit.aws.requests("RestoreDBClusterToPointInTime").get(0);
    assertEquals("analytics-stage", restore.get("SourceDBClusterIdentifier"));
    assertEquals("analytics-pitr", restore.get("DBClusterIdentifier"));
    assertEquals("true", restore.get("UseLatestRestorableTime"));
    assertEquals("db-private", restore.get("DBSubnetGroupName"));
    assertEquals("run-1", restore.get("Tags.Tag.1.Value"));
    Map<String, String> create = kit.aws.requests("CreateDBInstance").get(0);
    assertEquals("analytics-pitr-1", create.get("DBInstanceIdentifier"));
    assertEquals("analytics-pitr", create.get("DBClusterIdentifier"));
    assertEquals("aurora-postgresql", create.get("Engine"));
    assertEquals("db.r6g.large", create.get("DBInstanceClass"));
    assertEquals("analytics-pitr-1", r.outputs().path("instanceId").asText());
    assertEquals("analytics-pitr", r.outputs().path("clusterId").asText());
    assertEquals(
        "analytics-pitr.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
        r.outputs().path("endpoint").asText());
  }

  @Test
  void deleteRemovesAnInstanceItsRunRestoredKeepingAFinalSnapshot() {
    kit.aws.rds("DescribeDBInstances", instance("platform-pitr", "available", "run-1", null));
    kit.aws.rds("DeleteDBInstance", "<DBInstance/>");

    StepResult r = kit.rds.delete(request("aws.rds.delete", "{\"instance\": \"platform-pitr\"}"));

    assertTrue(r.outputs().path("deleted").asBoolean());
    assertEquals(
        Map.of(
            "Action", "DeleteDBInstance",
            "Version", "2014-10-31",
            "DBInstanceIdentifier", "platform-pitr",
            "DeleteAutomatedBackups", "true",
            "SkipFinalSnapshot", "false",
            "FinalDBSnapshotIdentifier", "platform-pitr-final"),
        kit.aws.requests("DeleteDBInstance").get(0));
  }

  @Test
  void deleteRefusesAnInstanceThisRunDidNotCreate() {
    kit.aws.rds("DescribeDBInstances", instance("platform-stage", "available", null, null));

    ApplicationFailure f =
        failure(
            () -> kit.rds.delete(request("aws.rds.delete", "{\"instance\": \"platform-stage\"}")));

    assertEquals("NOT_OWNED", f.getType());
    assertTrue(f.isNonRetryable());
    assertEquals(
        "refused: instance platform-stage exists and was not created by this run (it has no"
            + " runbook:run-id tag); the engine only touches what its run created",
        f.getOriginalMessage());
    assertTrue(kit.aws.requests("DeleteDBInstance").isEmpty());
  }

  @Test
  void deletingAnInstanceThatIsGoneIsNothingToDo() {
    kit.aws.rds("DescribeDBInstances", "<DBInstances/>");

    StepResult r = kit.rds.delete(request("aws.rds.delete", "{\"instance\": \"platform-pitr\"}"));

    assertFalse(r.outputs().path("deleted").asBoolean());
    assertTrue(kit.aws.requests("DeleteDBInstance").isEmpty());
  }

  @Test
  void accessDeniedOnCreateSnapshotNamesTheActionAndEveryRequestId() {
    kit.aws.rds("DescribeDBSnapshots", "<DBSnapshots/>");
    kit.aws.rdsError(
        "CreateDBSnapshot",
        403,
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/runbook-stage/runbook-stage is not"
            + " authorized to perform: rds:CreateDBSnapshot");

    ApplicationFailure f =
        failure(
            () -> kit.rds.snapshot(request("aws.rds.snapshot", "{\"database\": \"platform\"}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "AWS denied rds:CreateDBSnapshot on snapshot platform-snapshot-run-1-step of"
                    + " instance platform-stage to the worker of stage (AccessDenied)"),
        f.getOriginalMessage());
    @SuppressWarnings("unchecked")
    List<String> ids = (List<String>) f.getDetails().get(0, Map.class).get("awsRequestIds");
    assertEquals(2, ids.size(), ids.toString());
    assertTrue(ids.get(0).matches("rds:DescribeDBSnapshots req-\\d+-.*"), ids.toString());
    assertTrue(
        ids.get(1).matches("rds:CreateDBSnapshot req-\\d+-.* \\(AccessDenied\\)"), ids.toString());
  }

  @Test
  void anUnknownSourceInstanceIsNamed() {
    kit.aws.rdsError(
        "DescribeDBInstances", 404, "DBInstanceNotFound", "DBInstance platform-stage not found.");

    ApplicationFailure f =
        failure(
            () ->
                kit.rds.restorePitr(
                    request(
                        "aws.rds.restore-pitr",
                        "{\"source\": \"platform\", \"target\": \"platform-pitr\", \"latest\": true}")));

    assertEquals("CONFIGURATION", f.getType());
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "instance platform-pitr not found in eu-west-1 (DBInstanceNotFound: DBInstance platform-stage not found.)"),
        f.getOriginalMessage());
  }
}
