package dev.runbook.engine.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepEffectsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void aChangeReportsItsStatementsRowsVerifyAndBackupTable() throws Exception {
    JsonNode with =
        json(
            "{'database': 'platform', 'statements': ['UPDATE a SET x = 1 WHERE id = :id',"
                + " 'DELETE FROM b WHERE id = :id'], 'verify': {'query': 'SELECT 1 FROM a'}}");
    assertEquals(
        List.of(
            new StepEffects.Sql("preview", "platform", "UPDATE a SET x = 1 WHERE id = :id", -1),
            new StepEffects.Sql("preview", "platform", "DELETE FROM b WHERE id = :id", 4),
            new StepEffects.Sql("preview verify", "platform", "SELECT 1 FROM a", -1)),
        StepEffects.sql("sql.change", "preview", with, json("{'previewRows': 4}")));
    JsonNode applied = json("{'rowsAffected': 4, 'backupTable': 'rb_bk_r_fix_1'}");
    assertEquals(4, StepEffects.sql("sql.change", "apply", with, applied).get(1).rows());
    assertEquals(
        List.of(new StepEffects.Resource("backup-table", "platform.rb_bk_r_fix_1", "created")),
        StepEffects.resources("sql.change", with, applied));
  }

  @Test
  void terminatedSessionsAreCountedAndNamedAndTheLeaseEndCleanupSaysWhere() throws Exception {
    assertEquals(
        List.of(new StepEffects.Sql("run", "platform", "terminate sessions [4711,4712]", 2)),
        StepEffects.sql(
            "sql.terminate-sessions",
            "run",
            json("{'database': 'platform', 'sessions': [4711, 4712, 9]}"),
            json("{'terminated': [4711, 4712], 'notFound': [9]}")));
    assertEquals(
        List.of(
            new StepEffects.Sql(
                "run", "invoicing", "terminate sessions that came through the jump box [31]", 1)),
        StepEffects.sql(
            "sql.terminate-sessions",
            "run",
            json("{'database': 'invoicing', 'tunnelSessions': true}"),
            json("{'terminated': [31], 'notFound': [], 'skipped': ''}")));
  }

  @Test
  void awsStepsReportWhatTheyCreatedAndRemoved() throws Exception {
    assertEquals(
        List.of(new StepEffects.Resource("snapshot", "platform-pre-fix", "created")),
        StepEffects.resources(
            "aws.rds.snapshot", json("{}"), json("{'snapshotId': 'platform-pre-fix'}")));
    assertEquals(
        List.of(new StepEffects.Resource("instance", "platform-pitr", "removed")),
        StepEffects.resources(
            "aws.rds.delete", json("{}"), json("{'instanceId': 'platform-pitr'}")));
    assertEquals(
        List.of(new StepEffects.Resource("ingress-rule", "sg-1 203.0.113.7/32:22", "created")),
        StepEffects.resources(
            "aws.ec2.allow-ingress",
            json("{}"),
            json("{'securityGroupId': 'sg-1', 'cidr': '203.0.113.7/32', 'port': 22}")));
    assertEquals(
        List.of(),
        StepEffects.resources(
            "aws.ec2.allow-ingress",
            json("{}"),
            json("{'securityGroupId': 'sg-1', 'cidr': '203.0.113.7/32', 'alreadyPresent': true}")),
        "a rule that was already there is not the run's");
    assertEquals(List.of(), StepEffects.resources("notify", json("{}"), null));
  }
}
