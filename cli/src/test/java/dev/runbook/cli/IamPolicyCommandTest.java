package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook iam-policy}: the exact policy the catalog runbooks need per environment, a jump
 * box and point-in-time-restore runbook's policy, and the refusals.
 */
class IamPolicyCommandTest {
  @TempDir Path dir;

  private static String statement(List<String> actions, List<String> resources) {
    return """
        {
          "Effect": "Allow",
          "Action": [
        %s
          ],
          "Resource": [
        %s
          ]
        }"""
        .formatted(list(actions), list(resources));
  }

  private static String list(List<String> items) {
    List<String> quoted = new ArrayList<>();
    items.forEach(i -> quoted.add("    \"" + i + "\""));
    return String.join(",\n", quoted);
  }

  private static String policy(String... statements) {
    List<String> indented = new ArrayList<>();
    for (String s : statements) {
      indented.add(s.indent(4).stripTrailing());
    }
    return "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n"
        + String.join(",\n", indented).replaceFirst("^ {4}", "    ")
        + "\n  ]\n}\n";
  }

  private static final String PROD_RDS = "arn:aws:rds:eu-west-1:210987654321:";

  @Test
  void theSnapshotRunbookNeedsToSnapshotAndTagItsDatabaseOnly() {
    Cli.Result r =
        Cli.run(
            "iam-policy",
            Cli.runbooks().resolve("snapshot.yaml").toString(),
            "--env",
            "prod",
            "-p",
            "database=platform",
            "-p",
            "ticket=OPS-1");

    assertEquals(
        new Cli.Result(
            0,
            policy(
                statement(
                    List.of("rds:AddTagsToResource"), List.of(PROD_RDS + "snapshot:platform-*")),
                statement(
                    List.of("rds:CreateDBSnapshot"),
                    List.of(PROD_RDS + "db:platform-prod", PROD_RDS + "snapshot:platform-*")),
                statement(List.of("rds:DescribeDBSnapshots"), List.of("*"))),
            ""),
        r);
  }

  @Test
  void theEmergencyFixInProdAlsoReadsTheDatabasePassword() {
    List<String> args =
        new ArrayList<>(List.of("iam-policy", Cli.emergencyDataFix().toString(), "--env", "prod"));
    args.addAll(Cli.fixParams());

    Cli.Result r = Cli.run(args.toArray(String[]::new));

    assertEquals(
        new Cli.Result(
            0,
            policy(
                statement(
                    List.of("rds:AddTagsToResource"), List.of(PROD_RDS + "snapshot:platform-*")),
                statement(
                    List.of("rds:CreateDBSnapshot"),
                    List.of(PROD_RDS + "db:platform-prod", PROD_RDS + "snapshot:platform-*")),
                statement(List.of("rds:DescribeDBSnapshots"), List.of("*")),
                statement(
                    List.of("secretsmanager:GetSecretValue"),
                    List.of(
                        "arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/platform/runbook-??????"))),
            ""),
        r);
  }

  @Test
  void theEmergencyFixInStageSkipsTheProdOnlySnapshot() {
    List<String> args =
        new ArrayList<>(List.of("iam-policy", Cli.emergencyDataFix().toString(), "--env", "stage"));
    args.addAll(Cli.fixParams());

    Cli.Result r = Cli.run(args.toArray(String[]::new));

    assertEquals(
        new Cli.Result(
            0,
            policy(
                statement(
                    List.of("secretsmanager:GetSecretValue"),
                    List.of(
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/platform/runbook-??????"))),
            ""),
        r);
  }

  @Test
  void aJumpBoxAndRestoreRunbookGetsItsInstanceGroupSecretAndNewIdentifier() throws Exception {
    Path runbook = dir.resolve("rollback.yaml");
    Files.writeString(
        runbook,
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: rollback, version: 1 }
        environments: [stage]
        steps:
          - id: jump
            uses: aws.ec2.start
          - id: ssh
            uses: aws.ec2.allow-ingress
            with: { cidr: 203.0.113.7/32 }
          - id: creds
            uses: aws.secrets.get
            with: { database: invoicing }
          - id: restore
            uses: aws.rds.restore-pitr
            with: { source: invoicing, target: invoicing-pitr, latest: true }
        finally:
          - uses: aws.rds.delete
            with: { instance: "${{ steps.restore.outputs.instanceId }}", skipFinalSnapshot: true }
          - uses: aws.ec2.stop
            with: { instance: "${{ steps.jump.outputs.instanceId }}" }
        """);
    String ec2 = "arn:aws:ec2:eu-west-1:123456789012:";
    String rds = "arn:aws:rds:eu-west-1:123456789012:";

    Cli.Result r =
        Cli.run(
            "iam-policy",
            runbook.toString(),
            "--env",
            "stage",
            "--environments",
            Cli.runbooks().resolve("environments").toString());

    String rule =
        """
        {
          "Effect": "Allow",
          "Action": [
            "ec2:CreateTags"
          ],
          "Resource": [
            "%ssecurity-group-rule/*"
          ],
          "Condition": {
            "StringEquals": {
              "ec2:CreateAction": "AuthorizeSecurityGroupIngress"
            }
          }
        }"""
            .formatted(ec2);
    assertEquals(
        new Cli.Result(
            0,
            policy(
                statement(
                    List.of("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
                    List.of(
                        ec2 + "security-group-rule/*",
                        ec2 + "security-group/sg-0123456789abcdef0")),
                statement(
                    List.of(
                        "ec2:CreateTags",
                        "ec2:DeleteTags",
                        "ec2:StartInstances",
                        "ec2:StopInstances"),
                    List.of(ec2 + "instance/i-0a1b2c3d4e5f60718")),
                statement(
                    List.of(
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeInstances",
                        "ec2:DescribeSecurityGroupRules",
                        "rds:DescribeDBInstances"),
                    List.of("*")),
                statement(
                    List.of("rds:AddTagsToResource", "rds:DeleteDBInstance"),
                    List.of(rds + "db:invoicing-pitr")),
                // the restore's automatic undo deletes with a final snapshot
                statement(
                    List.of("rds:CreateDBSnapshot"),
                    List.of(rds + "db:invoicing-pitr", rds + "snapshot:invoicing-pitr-final")),
                statement(
                    List.of("rds:RestoreDBInstanceToPointInTime"),
                    List.of(
                        rds + "db:invoicing-pitr", rds + "db:invoicing-stage", rds + "subgrp:*")),
                statement(
                    List.of("secretsmanager:DescribeSecret"),
                    List.of(
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stage/invoicing/runbook-??????")),
                rule),
            ""),
        r);
  }

  @Test
  void theLocalEnvironmentNeedsNoPolicy() {
    Cli.Result r =
        Cli.run("iam-policy", Cli.demo().toString(), "--env", "local", "-p", "ticket=DEMO-1");

    assertEquals(2, r.exitCode());
    assertEquals("", r.out());
    assertEquals(
        "runbook: --env local: provider local calls no AWS API, so its worker needs no IAM policy\n",
        r.err());
  }

  @Test
  void helpSaysWhatItPrintsAndForWhom() {
    String help = Cli.run("iam-policy", "--help").out();

    assertTrue(
        help.startsWith("Usage: runbook iam-policy [-hV] -e=ENV [--environments=DIR]"), help);
    String text = help.replaceAll("\\s+", " ");
    assertTrue(text.contains("The least-privilege policy, as IAM policy JSON."), help);
    assertTrue(text.contains("only where AWS does not scope an action to a resource"), help);
    assertTrue(text.contains("runbooks/environments"), help);
  }
}
