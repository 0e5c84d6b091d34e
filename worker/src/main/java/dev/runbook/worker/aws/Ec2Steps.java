package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupRulesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStatus;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The jump box steps on EC2: start and stop with leases (see {@link JumpBoxLeases}), and the
 * temporary ingress rule for one address. Idempotent: starting a running instance, adding a rule
 * that exists, revoking a rule that is gone and stopping a stopped instance are all success.
 */
public final class Ec2Steps implements Ec2Activities, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ec2Steps.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final AwsClients clients;
  private final AwsSettings settings;
  private final AwsEnvironment env;
  private final Waiting waiting;

  public Ec2Steps(AwsClients clients, AwsSettings settings) {
    this.clients = clients;
    this.settings = settings;
    this.env = clients.environment();
    this.waiting = new Waiting(settings);
  }

  @Override
  public StepResult start(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String id = instance(request);
    boolean wait = AwsInputs.bool(request.with(), "wait", true);
    AwsCalls calls = new AwsCalls(env);
    Ec2Client ec2 = clients.ec2();
    String target = "instance " + id;
    Instant until = settings.clock().instant().plus(settings.lease());
    String lease = JumpBoxLeases.value(AwsInputs.user(request), until);
    // the lease first: a stop of another run that looks now sees this run
    calls.run(
        "ec2:CreateTags",
        target,
        () ->
            ec2.createTags(
                b ->
                    b.resources(id)
                        .tags(
                            Tag.builder()
                                .key(Tags.leaseKey(request.runId()))
                                .value(lease)
                                .build())));
    Instance instance = describe(calls, id);
    String state = instance.state().nameAsString();
    boolean startedByRun = request.runId().equals(tag(instance, Tags.STARTED_BY));
    if (state.equals("stopping")) {
      waiting.until(
          target + " to stop before starting it again",
          calls,
          () -> {
            String now = describe(calls, id).state().nameAsString();
            return now.equals("stopped") ? Waiting.Look.done(now) : Waiting.Look.waiting(now);
          });
      state = "stopped";
    }
    if (state.equals("stopped")) {
      // marked before the start, so a retry after a start that went through still knows
      calls.run(
          "ec2:CreateTags",
          target,
          () ->
              ec2.createTags(
                  b ->
                      b.resources(id)
                          .tags(
                              Tag.builder().key(Tags.STARTED_BY).value(request.runId()).build())));
      calls.run("ec2:StartInstances", target, () -> ec2.startInstances(b -> b.instanceIds(id)));
      startedByRun = true;
      LOG.info("{}: started {} for {}", request.runId(), id, AwsInputs.user(request));
    } else if (!state.equals("running") && !state.equals("pending")) {
      throw calls.fail(
          FailureType.CONFIGURATION,
          target + " is " + state + " and cannot be started (" + env.name() + ")");
    }
    String checks = "not waited for";
    if (wait) {
      checks =
          waiting.until(
              target + " to run and pass its status checks",
              calls,
              () -> {
                var statuses =
                    calls.run(
                        "ec2:DescribeInstanceStatus",
                        target,
                        () ->
                            ec2.describeInstanceStatus(
                                b -> b.instanceIds(id).includeAllInstances(true)));
                if (statuses.instanceStatuses().isEmpty()) {
                  return Waiting.Look.waiting("no status yet");
                }
                InstanceStatus s = statuses.instanceStatuses().get(0);
                String now = s.instanceState().nameAsString();
                String system = s.systemStatus() == null ? "?" : s.systemStatus().statusAsString();
                String inst =
                    s.instanceStatus() == null ? "?" : s.instanceStatus().statusAsString();
                if (now.equals("running") && ok(system) && ok(inst)) {
                  return Waiting.Look.done("status checks ok");
                }
                return Waiting.Look.waiting(
                    now + ", system status " + system + ", instance status " + inst);
              });
      instance = describe(calls, id);
    }
    ObjectNode out = NODES.objectNode();
    out.put("instanceId", id);
    out.put("startedByRun", startedByRun);
    out.put("state", wait ? instance.state().nameAsString() : state);
    out.put("publicIp", instance.publicIpAddress());
    out.put("privateIp", instance.privateIpAddress());
    out.put("leaseUntil", until.toString());
    return new StepResult(
        out,
        (startedByRun ? "started " : "found running ")
            + id
            + " ("
            + checks
            + "); leased to "
            + AwsInputs.user(request)
            + " until "
            + until);
  }

  @Override
  public StepResult stop(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String id = AwsInputs.text(request.with(), "instance");
    AwsCalls calls = new AwsCalls(env);
    Ec2Client ec2 = clients.ec2();
    String target = "instance " + id;
    String ownKey = Tags.leaseKey(request.runId());
    calls.run(
        "ec2:DeleteTags",
        target,
        () -> ec2.deleteTags(b -> b.resources(id).tags(Tag.builder().key(ownKey).build())));
    Instance instance = describe(calls, id);
    String state = instance.state().nameAsString();
    Instant now = settings.clock().instant();
    JumpBoxLeases leases = JumpBoxLeases.of(tagMap(instance), ownKey, now);
    if (!leases.expired().isEmpty()) {
      List<Tag> stale = new ArrayList<>();
      leases.expired().forEach(k -> stale.add(Tag.builder().key(k).build()));
      calls.run("ec2:DeleteTags", target, () -> ec2.deleteTags(b -> b.resources(id).tags(stale)));
    }
    String reason;
    boolean stopped = false;
    if (!state.equals("running") && !state.equals("pending")) {
      reason = "it is already " + state;
    } else if (tag(instance, Tags.STARTED_BY) == null) {
      reason =
          "it was running before the engine started it (no "
              + Tags.STARTED_BY
              + " tag): left running";
    } else if (!leases.active().isEmpty()) {
      reason = "still leased: " + String.join("; ", leases.describeActive()) + ": left running";
    } else {
      calls.run("ec2:StopInstances", target, () -> ec2.stopInstances(b -> b.instanceIds(id)));
      calls.run(
          "ec2:DeleteTags",
          target,
          () ->
              ec2.deleteTags(
                  b -> b.resources(id).tags(Tag.builder().key(Tags.STARTED_BY).build())));
      stopped = true;
      reason = "no other run or tunnel holds a lease";
      LOG.info("{}: stopped {}", request.runId(), id);
    }
    ObjectNode out = NODES.objectNode();
    out.put("instanceId", id);
    out.put("stopped", stopped);
    out.put("reason", reason);
    ArrayNode held = out.putArray("leases");
    leases.describeActive().forEach(held::add);
    out.put("otherLeases", leases.active().size());
    return new StepResult(out, (stopped ? "stopped " : "kept ") + id + ": " + reason);
  }

  @Override
  public StepResult allowIngress(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String group = securityGroup(request);
    int port =
        AwsInputs.port(
            request.with(), "port", env.jumpBox() == null ? 22 : env.jumpBox().sshPort());
    String given = AwsInputs.optionalText(request.with(), "cidr");
    CallerAddress.Cidr cidr =
        given != null
            ? CallerAddress.parse(given, "cidr")
            : CallerAddress.detect(settings.checkIpUrl(), settings.checkIpTimeout());
    String description =
        description(
            AwsInputs.optionalText(request.with(), "description") != null
                ? AwsInputs.optionalText(request.with(), "description")
                : "runbook " + request.runId() + " by " + AwsInputs.user(request));
    AwsCalls calls = new AwsCalls(env);
    IpPermission.Builder permission =
        IpPermission.builder().ipProtocol("tcp").fromPort(port).toPort(port);
    if (cidr.ipv6()) {
      permission.ipv6Ranges(
          Ipv6Range.builder().cidrIpv6(cidr.text()).description(description).build());
    } else {
      permission.ipRanges(IpRange.builder().cidrIp(cidr.text()).description(description).build());
    }
    boolean added =
        calls
            .attempt(
                "ec2:AuthorizeSecurityGroupIngress",
                "security group " + group,
                Set.of("InvalidPermission.Duplicate"),
                () ->
                    clients
                        .ec2()
                        .authorizeSecurityGroupIngress(
                            b ->
                                b.groupId(group)
                                    .ipPermissions(permission.build())
                                    .tagSpecifications(
                                        TagSpecification.builder()
                                            .resourceType(ResourceType.SECURITY_GROUP_RULE)
                                            .tags(
                                                Tag.builder()
                                                    .key(Tags.RUN_ID)
                                                    .value(request.runId())
                                                    .build(),
                                                Tag.builder()
                                                    .key("runbook:user")
                                                    .value(Tags.value(AwsInputs.user(request)))
                                                    .build())
                                            .build())))
            .isPresent();
    ObjectNode out = NODES.objectNode();
    out.put("securityGroupId", group);
    out.put("cidr", cidr.text());
    out.put("port", port);
    out.put("alreadyPresent", !added);
    out.put("description", description);
    return new StepResult(
        out,
        (added ? "allowed " : "already allowed ")
            + cidr.text()
            + " on tcp/"
            + port
            + " in "
            + group
            + (added ? " (" + description + ")" : ": the rule existed, this run leaves it"));
  }

  @Override
  public StepResult revokeIngress(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String group = AwsInputs.text(request.with(), "securityGroup");
    int port = AwsInputs.port(request.with(), "port", 22);
    CallerAddress.Cidr cidr = CallerAddress.parse(AwsInputs.text(request.with(), "cidr"), "cidr");
    AwsCalls calls = new AwsCalls(env);
    SecurityGroupRule rule = findRule(calls, group, port, cidr);
    ObjectNode out = NODES.objectNode();
    out.put("securityGroupId", group);
    out.put("cidr", cidr.text());
    out.put("port", port);
    String reason;
    boolean revoked = false;
    if (rule == null) {
      reason = "no such rule (already revoked)";
    } else if (!request.runId().equals(ruleTag(rule, Tags.RUN_ID))) {
      reason = "the rule was not added by this run: left in place";
    } else {
      boolean gone =
          calls
              .attempt(
                  "ec2:RevokeSecurityGroupIngress",
                  "security group " + group,
                  Set.of("InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"),
                  () ->
                      clients
                          .ec2()
                          .revokeSecurityGroupIngress(
                              b ->
                                  b.groupId(group)
                                      .securityGroupRuleIds(rule.securityGroupRuleId())))
              .isPresent();
      revoked = gone;
      reason =
          gone ? "revoked rule " + rule.securityGroupRuleId() : "no such rule (already revoked)";
    }
    out.put("revoked", revoked);
    out.put("reason", reason);
    return new StepResult(
        out,
        (revoked ? "revoked " : "did not revoke ")
            + cidr.text()
            + " on tcp/"
            + port
            + " in "
            + group
            + ": "
            + reason);
  }

  private SecurityGroupRule findRule(
      AwsCalls calls, String group, int port, CallerAddress.Cidr cidr) {
    String token = null;
    for (int page = 0; page < 100; page++) {
      String next = token;
      DescribeSecurityGroupRulesResponse response =
          calls.run(
              "ec2:DescribeSecurityGroupRules",
              "security group " + group,
              () ->
                  clients
                      .ec2()
                      .describeSecurityGroupRules(
                          b ->
                              b.filters(Filter.builder().name("group-id").values(group).build())
                                  .nextToken(next)));
      for (SecurityGroupRule rule : response.securityGroupRules()) {
        boolean address =
            cidr.ipv6() ? cidr.text().equals(rule.cidrIpv6()) : cidr.text().equals(rule.cidrIpv4());
        if (!Boolean.TRUE.equals(rule.isEgress())
            && "tcp".equals(rule.ipProtocol())
            && rule.fromPort() != null
            && rule.fromPort() == port
            && rule.toPort() != null
            && rule.toPort() == port
            && address) {
          return rule;
        }
      }
      token = response.nextToken();
      if (token == null || token.isEmpty()) {
        return null;
      }
    }
    throw calls.fail(FailureType.STEP_FAILED, "more than 100 pages of rules in " + group);
  }

  private Instance describe(AwsCalls calls, String id) {
    var response =
        calls.run(
            "ec2:DescribeInstances",
            "instance " + id,
            () -> clients.ec2().describeInstances(b -> b.instanceIds(id)));
    return response.reservations().stream()
        .flatMap(r -> r.instances().stream())
        .filter(i -> id.equals(i.instanceId()))
        .findFirst()
        .orElseThrow(
            () ->
                calls.fail(
                    FailureType.CONFIGURATION, "instance " + id + " not found in " + env.region()));
  }

  private String instance(StepRequest request) {
    String given = AwsInputs.optionalText(request.with(), "instance");
    return given != null ? given : env.requireJumpBox(request.uses()).instanceId();
  }

  private String securityGroup(StepRequest request) {
    String given = AwsInputs.optionalText(request.with(), "securityGroup");
    return given != null ? given : env.requireJumpBox(request.uses()).securityGroupId();
  }

  /** EC2 rule descriptions allow letters, digits, spaces and {@code ._-:/()#,@[]+=&;{}!$*}. */
  static String description(String text) {
    String clean = text.replaceAll("[^A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]", "_");
    return clean.length() <= 255 ? clean : clean.substring(0, 255);
  }

  private static boolean ok(String status) {
    return status.equals("ok") || status.equals("not-applicable");
  }

  private static String tag(Instance instance, String key) {
    return tagMap(instance).get(key);
  }

  private static Map<String, String> tagMap(Instance instance) {
    Map<String, String> tags = new java.util.LinkedHashMap<>();
    instance.tags().forEach(t -> tags.put(t.key(), t.value()));
    return tags;
  }

  private static String ruleTag(SecurityGroupRule rule, String key) {
    return rule.tags().stream()
        .filter(t -> key.equals(t.key()))
        .map(Tag::value)
        .findFirst()
        .orElse(null);
  }

  @Override
  public void close() {
    clients.close();
  }
}
