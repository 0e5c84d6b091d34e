package dev.runbook.worker.aws;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The least-privilege IAM policy the worker of one environment needs for a plan: the AWS actions
 * its steps call (the same ones {@link Ec2Steps}, {@link RdsSteps}, {@link SecretsSteps} and {@link
 * SecretsManagerCredentialSource} name in their failures), on the resources known from the plan and
 * the environment file (instance, security group, secrets, RDS identifiers); {@code *} only for the
 * Describe calls, which AWS does not scope to a resource. The account comes from {@code
 * aws.roleArn} ({@code *} without one). Only the environment's own stage, its {@code finally} steps
 * and the undos count: every environment's worker has its own role.
 */
public final class IamPolicy {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern STEP_OUTPUT =
      Pattern.compile("^\\$\\{\\{\\s*steps\\.([A-Za-z0-9_]+)\\.outputs\\.([A-Za-z0-9_]+)\\s*}}$");
  private static final String RULE_TAG_CONDITION = "ec2:CreateAction";

  private final AwsEnvironment env;
  private final boolean secretsManager;
  private final String prefix;
  private final Map<String, ActivityStep> byId = new LinkedHashMap<>();

  /** action -> resources, and the one conditioned grant (tags on a new rule). */
  private final Map<String, TreeSet<String>> grants = new TreeMap<>();

  private final Map<String, TreeSet<String>> ruleTagGrants = new TreeMap<>();

  private IamPolicy(EnvironmentSpec spec) {
    this.env = AwsEnvironment.from(spec);
    JsonNode provider = spec.source().tree().path("secrets").path("provider");
    this.secretsManager =
        provider.isTextual()
            ? provider.asText().equals("aws-secrets-manager")
            : "aws".equals(spec.provider());
    this.prefix = env.partition() + ":";
  }

  /**
   * The policy document for {@code environment}'s part of {@code plan}, or empty when it calls no
   * AWS API there.
   */
  public static Optional<ObjectNode> of(Plan plan, EnvironmentSpec environment) {
    IamPolicy policy = new IamPolicy(environment);
    List<ActivityStep> steps = new ArrayList<>();
    for (Stage stage : plan.stages()) {
      if (stage.environment().equals(environment.name())) {
        stage.steps().forEach(s -> add(steps, s));
      }
    }
    if (plan.target().equals(environment.name())) {
      plan.finallySteps().forEach(s -> add(steps, s));
    }
    steps.forEach(s -> policy.byId.putIfAbsent(s.id(), s));
    for (ActivityStep step : steps) {
      policy.step(step.uses(), step.with());
      if (step.compensate() != null) {
        policy.step(step.compensate().uses(), step.compensate().with());
      }
    }
    return policy.document();
  }

  /** The policy as printed: two-space indents, {@code "key": value}. */
  public static String pretty(JsonNode policy) {
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    try {
      return new ObjectMapper().writer(printer).writeValueAsString(policy);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(List<ActivityStep> steps, Step step) {
    if (step instanceof ActivityStep a && !(a.when().isBoolean() && !a.when().asBoolean())) {
      steps.add(a);
    }
  }

  private void step(String uses, JsonNode with) {
    switch (uses) {
      case "aws.ec2.start" -> {
        List<String> instances = instances(with);
        grant(List.of("ec2:CreateTags", "ec2:StartInstances"), instances);
        grant(List.of("ec2:DescribeInstances", "ec2:DescribeInstanceStatus"), List.of("*"));
      }
      case "aws.ec2.stop" -> {
        grant(List.of("ec2:DeleteTags", "ec2:StopInstances"), instances(with));
        grant(List.of("ec2:DescribeInstances"), List.of("*"));
      }
      case "aws.ec2.allow-ingress" -> {
        grant(
            List.of("ec2:AuthorizeSecurityGroupIngress"),
            List.of(group(with), ec2("security-group-rule/*")));
        ruleTagGrants
            .computeIfAbsent("ec2:CreateTags", k -> new TreeSet<>())
            .add(ec2("security-group-rule/*"));
      }
      case "aws.ec2.revoke-ingress" -> {
        grant(
            List.of("ec2:RevokeSecurityGroupIngress"),
            List.of(group(with), ec2("security-group-rule/*")));
        grant(List.of("ec2:DescribeSecurityGroupRules"), List.of("*"));
      }
      case "aws.secrets.get" -> {
        String id = known(with.path("secretId"));
        List<String> secrets =
            id != null ? List.of(secret(id)) : databaseSecrets(with.path("database"));
        grant(List.of("secretsmanager:DescribeSecret"), secrets);
      }
      case "aws.rds.snapshot" -> snapshot(with);
      case "aws.rds.restore-pitr" -> restore(with);
      case "aws.rds.delete" -> delete(with);
      case "ssh.tunnel" -> {
        if (secretsManager && env.jumpBox() != null && env.jumpBox().passphraseSecretId() != null) {
          grant(
              List.of("secretsmanager:GetSecretValue"),
              List.of(secret(env.jumpBox().passphraseSecretId())));
        }
      }
      default -> {
        if (secretsManager && (uses.startsWith("sql.") || uses.startsWith("flyway."))) {
          grant(List.of("secretsmanager:GetSecretValue"), databaseSecrets(with.path("database")));
        }
      }
    }
  }

  private void snapshot(JsonNode with) {
    for (AwsEnvironment.Database db : databases(with.path("database"))) {
      if (db.rdsId() == null) {
        continue;
      }
      String given = with.path("snapshotId").asText(null);
      String name = given != null ? pattern(given) : db.name().toLowerCase() + "-*";
      if (db.rdsClusterId() != null) {
        String snap = rds("cluster-snapshot:" + name);
        grant(List.of("rds:CreateDBClusterSnapshot"), List.of(rds("cluster:" + db.rdsId()), snap));
        grant(List.of("rds:AddTagsToResource"), List.of(snap));
        grant(List.of("rds:DescribeDBClusterSnapshots"), List.of("*"));
      } else {
        String snap = rds("snapshot:" + name);
        grant(List.of("rds:CreateDBSnapshot"), List.of(rds("db:" + db.rdsId()), snap));
        grant(List.of("rds:AddTagsToResource"), List.of(snap));
        grant(List.of("rds:DescribeDBSnapshots"), List.of("*"));
      }
    }
  }

  private void restore(JsonNode with) {
    String target = pattern(with.path("target").asText("*"));
    for (AwsEnvironment.Database db : databases(with.path("source"))) {
      if (db.rdsClusterId() != null) {
        String cluster = rds("cluster:" + target);
        String instance =
            rds("db:" + (target.contains("*") ? target : RdsNames.clusterInstance(target)));
        grant(
            List.of("rds:RestoreDBClusterToPointInTime"),
            List.of(rds("cluster:" + db.rdsId()), cluster, rds("subgrp:*")));
        grant(List.of("rds:CreateDBInstance"), List.of(instance, cluster));
        grant(List.of("rds:AddTagsToResource"), List.of(cluster, instance));
        grant(List.of("rds:DescribeDBClusters", "rds:DescribeDBInstances"), List.of("*"));
      } else if (db.rdsInstanceId() != null) {
        String instance = rds("db:" + target);
        grant(
            List.of("rds:RestoreDBInstanceToPointInTime"),
            List.of(rds("db:" + db.rdsId()), instance, rds("subgrp:*")));
        grant(List.of("rds:AddTagsToResource"), List.of(instance));
        grant(List.of("rds:DescribeDBInstances"), List.of("*"));
      }
    }
  }

  private void delete(JsonNode with) {
    boolean finalSnapshot = !with.path("skipFinalSnapshot").asBoolean(false);
    ActivityStep restore = producer(with.path("instance"));
    String target =
        restore != null && "aws.rds.restore-pitr".equals(restore.uses())
            ? pattern(restore.with().path("target").asText("*"))
            : "*";
    boolean cluster =
        restore != null
            && databases(restore.with().path("source")).stream()
                .anyMatch(d -> d.rdsClusterId() != null);
    grant(List.of("rds:DescribeDBInstances"), List.of("*"));
    if (cluster) {
      String instance =
          target.contains("*")
              ? rds("db:" + target)
              : rds("db:" + RdsNames.clusterInstance(target));
      grant(List.of("rds:DeleteDBInstance"), List.of(instance));
      grant(List.of("rds:DeleteDBCluster"), List.of(rds("cluster:" + target)));
      if (finalSnapshot) {
        grant(
            List.of("rds:CreateDBClusterSnapshot"),
            List.of(rds("cluster:" + target), rds("cluster-snapshot:" + target + "-final")));
      }
      grant(List.of("rds:DescribeDBClusters"), List.of("*"));
    } else {
      grant(List.of("rds:DeleteDBInstance"), List.of(rds("db:" + target)));
      if (finalSnapshot) {
        grant(
            List.of("rds:CreateDBSnapshot"),
            List.of(rds("db:" + target), rds("snapshot:" + target + "-final")));
      }
    }
  }

  /** The instances a start/stop acts on: given, from the start step it names, else the jump box. */
  private List<String> instances(JsonNode with) {
    JsonNode node = with.path("instance");
    ActivityStep start = producer(node);
    if (start != null) {
      return instances(start.with());
    }
    String id = known(node);
    if (id != null) {
      return List.of(ec2("instance/" + id));
    }
    if (node.isMissingNode() && env.jumpBox() != null) {
      return List.of(ec2("instance/" + env.jumpBox().instanceId()));
    }
    return List.of(ec2("instance/*"));
  }

  private String group(JsonNode with) {
    JsonNode node = with.path("securityGroup");
    ActivityStep allow = producer(node);
    if (allow != null) {
      return group(allow.with());
    }
    String id = known(node);
    if (id != null) {
      return ec2("security-group/" + id);
    }
    if (node.isMissingNode() && env.jumpBox() != null) {
      return ec2("security-group/" + env.jumpBox().securityGroupId());
    }
    return ec2("security-group/*");
  }

  /** The step whose output {@code node} reads ({@code ${{ steps.X.outputs.Y }}}), or null. */
  private ActivityStep producer(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    Matcher m = STEP_OUTPUT.matcher(node.asText().strip());
    return m.matches() ? byId.get(m.group(1)) : null;
  }

  private List<AwsEnvironment.Database> databases(JsonNode node) {
    String name = known(node);
    if (name != null && env.databases().containsKey(name)) {
      return List.of(env.databases().get(name));
    }
    return List.copyOf(env.databases().values()); // decided at run time: any of them
  }

  private List<String> databaseSecrets(JsonNode node) {
    List<String> out = new ArrayList<>();
    for (AwsEnvironment.Database db : databases(node)) {
      if (db.secretId() != null) {
        out.add(secret(db.secretId()));
      }
    }
    return out;
  }

  private static String known(JsonNode node) {
    return node.isTextual() && !node.asText().contains("${{") ? node.asText() : null;
  }

  /** A name that may hold a run-time expression: the text before it, then {@code *}. */
  private static String pattern(String text) {
    int at = text.indexOf("${{");
    return at < 0 ? text : text.substring(0, at) + "*";
  }

  private String ec2(String resource) {
    return "arn:" + prefix + "ec2:" + env.region() + ":" + account() + ":" + resource;
  }

  private String rds(String resource) {
    return "arn:" + prefix + "rds:" + env.region() + ":" + account() + ":" + resource;
  }

  /** Secrets Manager appends 6 random characters to a secret's ARN. */
  private String secret(String id) {
    if (id.startsWith("arn:")) {
      return id;
    }
    return "arn:"
        + prefix
        + "secretsmanager:"
        + env.region()
        + ":"
        + account()
        + ":secret:"
        + id
        + "-??????";
  }

  private String account() {
    return env.account().orElse("*");
  }

  private void grant(List<String> actions, List<String> resources) {
    for (String action : actions) {
      grants.computeIfAbsent(action, k -> new TreeSet<>()).addAll(resources);
    }
  }

  /** One statement per set of resources, actions sorted; a "*" grant folds into nothing else. */
  private Optional<ObjectNode> document() {
    if (grants.isEmpty() && ruleTagGrants.isEmpty()) {
      return Optional.empty();
    }
    Map<List<String>, TreeSet<String>> byResources = new LinkedHashMap<>();
    grants.forEach(
        (action, resources) -> {
          List<String> key =
              List.copyOf(resources.contains("*") ? new TreeSet<>(List.of("*")) : resources);
          byResources.computeIfAbsent(key, k -> new TreeSet<>()).add(action);
        });
    List<Map.Entry<List<String>, TreeSet<String>>> entries =
        new ArrayList<>(byResources.entrySet());
    entries.sort((a, b) -> a.getValue().first().compareTo(b.getValue().first()));
    ObjectNode policy = NODES.objectNode();
    policy.put("Version", "2012-10-17");
    ArrayNode statements = policy.putArray("Statement");
    for (var e : entries) {
      statements.add(statement(e.getValue(), e.getKey(), null));
    }
    ruleTagGrants.forEach(
        (action, resources) -> {
          ObjectNode condition = NODES.objectNode();
          condition
              .putObject("StringEquals")
              .put(RULE_TAG_CONDITION, "AuthorizeSecurityGroupIngress");
          statements.add(
              statement(new TreeSet<>(List.of(action)), List.copyOf(resources), condition));
        });
    return Optional.of(policy);
  }

  private static ObjectNode statement(
      TreeSet<String> actions, List<String> resources, ObjectNode condition) {
    ObjectNode s = NODES.objectNode();
    s.put("Effect", "Allow");
    ArrayNode a = s.putArray("Action");
    actions.forEach(a::add);
    ArrayNode r = s.putArray("Resource");
    resources.forEach(r::add);
    if (condition != null) {
      s.set("Condition", condition);
    }
    return s;
  }
}
