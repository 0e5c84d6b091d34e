package dev.runbook.engine.steps;

import static dev.runbook.engine.steps.Execution.ACTIVITY;

import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.steps.StepType.ApprovalRule;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The registry of every step type of runbook/v1. Registering a name twice is a bug. */
public final class StepTypes {
  private static final Map<String, StepType> TYPES = new LinkedHashMap<>();

  /**
   * The optional {@code instance} of the SQL steps: the restored copy of {@code database} to
   * connect to instead, which must be one this run restored.
   */
  private static final OwnedInput RESTORED_COPY =
      new OwnedInput(
          "instance",
          Set.of("aws.rds.restore-pitr"),
          "instanceId",
          "read or change only a restored copy this run created");

  static {
    Duration minute = Duration.ofMinutes(1);
    Duration tenMinutes = Duration.ofMinutes(10);
    Duration hour = Duration.ofHours(1);
    // access
    activity(
        "aws.ec2.start",
        "aws.ec2",
        tenMinutes,
        List.of("instanceId", "startedByRun", "state", "publicIp", "privateIp", "leaseUntil"));
    register(
        new StepType(
            "aws.ec2.stop",
            ACTIVITY,
            "aws.ec2",
            List.of("instanceId", "stopped", "reason", "leases", "otherLeases"),
            List.of(),
            List.of(
                new OwnedInput(
                    "instance",
                    Set.of("aws.ec2.start"),
                    "instanceId",
                    "stop only an instance this run started")),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            tenMinutes));
    register(
        new StepType(
            "aws.ec2.allow-ingress",
            ACTIVITY,
            "aws.ec2",
            List.of("securityGroupId", "cidr", "port", "alreadyPresent", "description"),
            List.of(),
            List.of(),
            Optional.of(
                new AutoUndo(
                    "aws.ec2.revoke-ingress",
                    Map.of("securityGroup", "securityGroupId", "cidr", "cidr", "port", "port"))),
            ApprovalRule.REFUSED,
            false,
            minute));
    activity("aws.ec2.revoke-ingress", "aws.ec2", minute, List.of("revoked", "reason"));
    activity("aws.secrets.get", "aws.secrets", minute, List.of("handle", "secretId", "arn"));
    activity("ssh.tunnel", "ssh", minute, List.of("host", "port", "tunnel"));
    // data
    register(
        new StepType(
            "sql.query",
            ACTIVITY,
            "sql",
            List.of("columns", "rows", "rowCount", "truncated"),
            List.of(new SqlInput("/query", SqlContext.QUERY, "/bind")),
            List.of(RESTORED_COPY),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            tenMinutes));
    register(
        new StepType(
            "sql.change",
            ACTIVITY,
            "sql",
            List.of("rowsAffected", "previewRows", "previewHash", "backupTable", "verified"),
            List.of(
                new SqlInput("/statements", SqlContext.CHANGE, "/bind"),
                new SqlInput("/verify/query", SqlContext.QUERY, "/verify/bind")),
            List.of(RESTORED_COPY),
            Optional.empty(),
            ApprovalRule.ALLOWED,
            false,
            tenMinutes));
    register(
        new StepType(
            "sql.backup",
            ACTIVITY,
            "sql",
            List.of("backupTable", "rowCount"),
            List.of(),
            List.of(RESTORED_COPY),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            hour));
    register(
        new StepType(
            "sql.restore",
            ACTIVITY,
            "sql",
            List.of("rowsRestored"),
            List.of(),
            List.of(
                new OwnedInput(
                    "backup",
                    Set.of("sql.backup", "sql.change"),
                    "backupTable",
                    "restore only from a backup this run took")),
            Optional.empty(),
            ApprovalRule.ALLOWED,
            false,
            hour));
    register(
        new StepType(
            "sql.export",
            ACTIVITY,
            "sql",
            List.of("path", "rowCount", "sha256"),
            List.of(new SqlInput("/query", SqlContext.QUERY, "/bind")),
            List.of(RESTORED_COPY),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            hour));
    register(
        new StepType(
            "sql.terminate-sessions",
            ACTIVITY,
            "sql",
            List.of("terminated", "notFound", "refused", "refusedWhy", "reason", "skipped"),
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REQUIRED,
            false,
            minute));
    // AWS RDS
    activity(
        "aws.rds.snapshot",
        "aws.rds",
        Duration.ofHours(6),
        List.of("snapshotId", "snapshotArn", "status", "source", "kind"));
    register(
        new StepType(
            "aws.rds.restore-pitr",
            ACTIVITY,
            "aws.rds",
            List.of("instanceId", "endpoint", "port", "clusterId", "source", "restoreTime"),
            List.of(),
            List.of(),
            Optional.of(new AutoUndo("aws.rds.delete", Map.of("instance", "instanceId"))),
            ApprovalRule.ALLOWED,
            false,
            Duration.ofHours(6)));
    register(
        new StepType(
            "aws.rds.delete",
            ACTIVITY,
            "aws.rds",
            List.of("instanceId", "deleted", "reason", "clusterId", "finalSnapshotId"),
            List.of(),
            List.of(
                new OwnedInput(
                    "instance",
                    Set.of("aws.rds.restore-pitr"),
                    "instanceId",
                    "delete only an instance this run created")),
            Optional.empty(),
            ApprovalRule.ALLOWED,
            false,
            hour));
    // migrations
    migration(
        "flyway.migrate", List.of("applied", "pending", "failed", "currentVersion"), List.of());
    migration("flyway.info", List.of("applied", "pending", "failed", "currentVersion"), List.of());
    migration("flyway.validate", List.of("valid", "errors"), List.of());
    // the revert of a failed migration's partial changes: migration-class SQL (DDL allowed)
    migration(
        "flyway.repair",
        List.of("repaired", "reverted"),
        List.of(new SqlInput("/revert", SqlContext.MIGRATION, null)));
    // the revert of a failed Prisma migration's partial changes, guarded as flyway.repair's
    register(
        new StepType(
            "prisma.revert",
            ACTIVITY,
            "prisma",
            List.of("migration", "reverted", "statements", "transactional"),
            List.of(new SqlInput("/revert", SqlContext.MIGRATION, null)),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            true,
            hour));
    // external tools
    activity(
        "exec", "exec", hour, List.of("exitCode", "stdout", "stderr", "truncated", "durationMs"));
    // control
    register(
        new StepType(
            "approval",
            Execution.APPROVAL,
            "control",
            List.of("approvers", "decision"),
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            Duration.ofHours(24)));
    register(
        new StepType(
            "wait",
            Execution.TIMER,
            "control",
            List.of(),
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            Duration.ZERO));
    register(
        new StepType(
            "lease",
            Execution.LEASE,
            "control",
            List.of("holder", "endedBy", "expiresAt", "extensions"),
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            Duration.ZERO));
    activity("notify", "notify", minute, List.of("delivered", "channel", "attempts"));
    register(
        new StepType(
            "assert",
            Execution.ASSERT,
            "control",
            List.of(),
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            Duration.ZERO));
  }

  private StepTypes() {}

  private static void activity(
      String name, String integration, Duration timeout, List<String> outputs) {
    register(
        new StepType(
            name,
            ACTIVITY,
            integration,
            outputs,
            List.of(),
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            false,
            timeout));
  }

  private static void migration(String name, List<String> outputs, List<SqlInput> sqlInputs) {
    register(
        new StepType(
            name,
            ACTIVITY,
            "flyway",
            outputs,
            sqlInputs,
            List.of(),
            Optional.empty(),
            ApprovalRule.REFUSED,
            true,
            Duration.ofHours(2)));
  }

  private static void register(StepType type) {
    if (TYPES.putIfAbsent(type.name(), type) != null) {
      throw new IllegalStateException("step type registered twice: " + type.name());
    }
  }

  public static Optional<StepType> find(String name) {
    return Optional.ofNullable(TYPES.get(name));
  }

  /** Every step type, in registration order. */
  public static Collection<StepType> all() {
    return TYPES.values();
  }
}
