package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the AWS steps need of one environment file: account access ({@code aws.*}), the jump box and
 * the databases' secret and RDS identifiers. Holds no credential.
 *
 * @param profile named profile of the worker's AWS config, or null (the default chain)
 * @param roleArn role assumed through STS, or null
 * @param endpoint API endpoint override for every service (including STS), or null
 * @param jumpBox the jump box, or null when the environment has none
 */
public record AwsEnvironment(
    String name,
    String region,
    String profile,
    String roleArn,
    String endpoint,
    JumpBox jumpBox,
    Map<String, Database> databases) {

  /** The jump box's EC2 ids and SSH port. */
  public record JumpBox(
      String instanceId, String securityGroupId, int sshPort, String passphraseSecretId) {}

  /**
   * A database of the environment.
   *
   * @param rdsInstanceId its RDS instance, or null
   * @param rdsClusterId its Aurora cluster, or null
   */
  public record Database(String name, String secretId, String rdsInstanceId, String rdsClusterId) {
    /** The RDS identifier (instance or cluster), or null when the database has no {@code rds}. */
    public String rdsId() {
      return rdsInstanceId != null ? rdsInstanceId : rdsClusterId;
    }
  }

  public AwsEnvironment {
    databases = Map.copyOf(databases);
  }

  /** The AWS part of an environment file. */
  public static AwsEnvironment from(EnvironmentSpec spec) {
    JsonNode root = spec.source().tree();
    JsonNode aws = root.path("aws");
    JsonNode box = root.path("jumpBox");
    JumpBox jumpBox =
        box.isObject()
            ? new JumpBox(
                text(box, "instanceId"),
                text(box, "securityGroupId"),
                box.path("sshPort").asInt(22),
                text(box, "passphraseSecretId"))
            : null;
    Map<String, Database> databases = new LinkedHashMap<>();
    spec.databases()
        .forEach(
            (name, db) ->
                databases.put(
                    name,
                    new Database(
                        name,
                        text(db, "secretId"),
                        text(db.path("rds"), "instanceId"),
                        text(db.path("rds"), "clusterId"))));
    return new AwsEnvironment(
        spec.name(),
        text(aws, "region"),
        text(aws, "profile"),
        text(aws, "roleArn"),
        text(aws, "endpoint"),
        jumpBox,
        databases);
  }

  /** The database {@code name}, or a CONFIGURATION failure naming the ones there are. */
  public Database database(String name) {
    Database db = databases.get(name);
    if (db == null) {
      throw FailureType.CONFIGURATION.failure(
          "no database "
              + name
              + " in environment "
              + this.name
              + " (there: "
              + String.join(", ", databases.keySet())
              + ")");
    }
    return db;
  }

  /** The jump box, or a CONFIGURATION failure saying the step needs one. */
  public JumpBox requireJumpBox(String step) {
    if (jumpBox == null) {
      throw FailureType.CONFIGURATION.failure(
          step + " needs an instance: environment " + name + " has no jumpBox");
    }
    return jumpBox;
  }

  /** The account id from {@code roleArn}, when known. */
  public Optional<String> account() {
    return roleArn == null ? Optional.empty() : Optional.of(roleArn.split(":")[4]);
  }

  /**
   * The ARN partition ({@code aws}, {@code aws-cn}, ...) from {@code roleArn}, else {@code aws}.
   */
  public String partition() {
    return roleArn == null ? "aws" : roleArn.split(":")[1];
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
  }
}
