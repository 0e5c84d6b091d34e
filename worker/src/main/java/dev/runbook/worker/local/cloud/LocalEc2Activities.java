package dev.runbook.worker.local.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code aws.ec2.*} on {@code local}: there is no EC2 instance nor security group, so the jump box
 * is simulated in the worker's memory with the real steps' rules: it starts stopped; {@code start}
 * leases it to the run and starts it when stopped (then "started by the engine"); {@code stop}
 * drops the run's lease and stops it only when the engine started it and no other run's lease
 * remains; an ingress rule is revoked only by the run that added it. Outputs have the real steps'
 * shape (plus {@code simulated: true}); summaries say it was simulated. A restarted worker finds
 * the simulated jump box stopped with no lease.
 */
final class LocalEc2Activities implements Ec2Activities {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Stand-ins when the environment has no {@code jumpBox}. */
  static final String INSTANCE = "i-00000000";

  static final String GROUP = "sg-00000000";
  static final String CIDR = "127.0.0.1/32";

  /** One simulated instance: its state, leases (run id -> user) and who started it. */
  private static final class Box {
    boolean running;
    String startedBy;
    final Map<String, String> leases = new TreeMap<>();
  }

  private final EnvironmentSpec environment;
  private final Map<String, Box> boxes = new HashMap<>();

  /** {@code group tcp/port cidr} -> the run that added the rule. */
  private final Map<String, String> rules = new LinkedHashMap<>();

  LocalEc2Activities(EnvironmentSpec environment) {
    this.environment = environment;
  }

  @Override
  public synchronized StepResult start(StepRequest request) {
    String instance = value(request.with(), "instance", jumpBox("instanceId", INSTANCE));
    Box box = boxes.computeIfAbsent(instance, id -> new Box());
    box.leases.put(request.runId(), request.launcher());
    boolean starting = !box.running;
    if (starting) {
      box.running = true;
      box.startedBy = request.runId();
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", instance);
    outputs.put("startedByRun", request.runId().equals(box.startedBy));
    outputs.put("state", "running");
    outputs.put("publicIp", "127.0.0.1");
    outputs.put("privateIp", "127.0.0.1");
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no EC2 instance; "
            + (starting ? "started " : "found running ")
            + instance
            + ", leased to "
            + request.launcher());
  }

  @Override
  public synchronized StepResult stop(StepRequest request) {
    String instance = value(request.with(), "instance", INSTANCE);
    Box box = boxes.computeIfAbsent(instance, id -> new Box());
    box.leases.remove(request.runId());
    String reason;
    boolean stopped = false;
    if (!box.running) {
      reason = "it is already stopped";
    } else if (box.startedBy == null) {
      reason = "it was running before the engine started it: left running";
    } else if (!box.leases.isEmpty()) {
      reason = "still leased: " + describe(box) + ": left running";
    } else {
      box.running = false;
      box.startedBy = null;
      stopped = true;
      reason = "no other run or tunnel holds a lease";
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", instance);
    outputs.put("stopped", stopped);
    outputs.put("reason", reason);
    ArrayNode held = outputs.putArray("leases");
    box.leases.forEach((run, user) -> held.add(run + " (" + user + ")"));
    outputs.put("otherLeases", box.leases.size());
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no EC2 instance; "
            + (stopped ? "stopped " : "kept ")
            + instance
            + ": "
            + reason);
  }

  /** Whether the simulated {@code instance} runs now (for tests and {@code runbook dev}). */
  synchronized boolean running(String instance) {
    Box box = boxes.get(instance);
    return box != null && box.running;
  }

  /** The rules added and not revoked, {@code group tcp/port cidr}. */
  synchronized java.util.Set<String> rules() {
    return java.util.Set.copyOf(rules.keySet());
  }

  @Override
  public synchronized StepResult allowIngress(StepRequest request) {
    JsonNode with = request.with();
    String group = value(with, "securityGroup", jumpBox("securityGroupId", GROUP));
    String cidr = value(with, "cidr", CIDR);
    int port =
        with.path("port")
            .asInt(environment.source().tree().path("jumpBox").path("sshPort").asInt(22));
    String description =
        value(
            with,
            "description",
            "runbook " + request.runbook() + " " + request.runId() + " for " + request.launcher());
    String key = rule(group, port, cidr);
    boolean present = rules.containsKey(key);
    if (!present) {
      rules.put(key, request.runId());
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("securityGroupId", group);
    outputs.put("cidr", cidr);
    outputs.put("port", port);
    outputs.put("alreadyPresent", present);
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no security group; "
            + (present ? "already allowed " : "allowed ")
            + cidr
            + " on port "
            + port
            + " in "
            + group
            + (present ? "" : ", described '" + description + "'"));
  }

  @Override
  public synchronized StepResult revokeIngress(StepRequest request) {
    JsonNode with = request.with();
    String group = value(with, "securityGroup", GROUP);
    String cidr = value(with, "cidr", CIDR);
    int port = with.path("port").asInt(22);
    String key = rule(group, port, cidr);
    String owner = rules.get(key);
    boolean revoked = request.runId().equals(owner);
    if (revoked) {
      rules.remove(key);
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("revoked", revoked);
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no security group; "
            + (revoked ? "revoked " : "did not revoke ")
            + cidr
            + " on port "
            + port
            + " in "
            + group
            + (revoked
                ? ""
                : owner == null
                    ? ": no such rule (already revoked)"
                    : ": the rule was not added by this run"));
  }

  private static String rule(String group, int port, String cidr) {
    return group + " tcp/" + port + " " + cidr;
  }

  private static String describe(Box box) {
    StringBuilder out = new StringBuilder();
    box.leases.forEach(
        (run, user) ->
            out.append(out.isEmpty() ? "" : "; ")
                .append(run)
                .append(" (")
                .append(user)
                .append(")"));
    return out.toString();
  }

  private String jumpBox(String field, String fallback) {
    JsonNode value = environment.source().tree().path("jumpBox").path(field);
    return value.isTextual() ? value.asText() : fallback;
  }

  private static String value(JsonNode with, String field, String fallback) {
    JsonNode value = with.path(field);
    return value.isTextual() && !value.asText().isBlank() ? value.asText() : fallback;
  }
}
