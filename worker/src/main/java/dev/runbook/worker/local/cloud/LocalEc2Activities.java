package dev.runbook.worker.local.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;

/**
 * {@code aws.ec2.*} on {@code local}: there is no jump box nor security group, so each step is a
 * recorded no-op. Outputs have the real steps' shape (plus {@code simulated: true}) so the steps
 * after them and their undos run as they would on AWS; summaries say it was simulated.
 */
final class LocalEc2Activities implements Ec2Activities {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Stand-ins when the environment has no {@code jumpBox}. */
  static final String INSTANCE = "i-00000000";

  static final String GROUP = "sg-00000000";
  static final String CIDR = "127.0.0.1/32";

  private final EnvironmentSpec environment;

  LocalEc2Activities(EnvironmentSpec environment) {
    this.environment = environment;
  }

  @Override
  public StepResult start(StepRequest request) {
    String instance = value(request.with(), "instance", jumpBox("instanceId", INSTANCE));
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", instance);
    outputs.put("startedByRun", false);
    outputs.put("state", "running");
    outputs.put("publicIp", "127.0.0.1");
    outputs.put("privateIp", "127.0.0.1");
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on " + environment.name() + ": no EC2 instance started (" + instance + ")");
  }

  @Override
  public StepResult stop(StepRequest request) {
    String instance = value(request.with(), "instance", INSTANCE);
    ObjectNode outputs = NODES.objectNode();
    outputs.put("instanceId", instance);
    outputs.put("stopped", false);
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on " + environment.name() + ": no EC2 instance stopped (" + instance + ")");
  }

  @Override
  public StepResult allowIngress(StepRequest request) {
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
    ObjectNode outputs = NODES.objectNode();
    outputs.put("securityGroupId", group);
    outputs.put("cidr", cidr);
    outputs.put("port", port);
    outputs.put("alreadyPresent", false);
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no rule added (would allow "
            + cidr
            + " on port "
            + port
            + " in "
            + group
            + ", described '"
            + description
            + "')");
  }

  @Override
  public StepResult revokeIngress(StepRequest request) {
    JsonNode with = request.with();
    ObjectNode outputs = NODES.objectNode();
    outputs.put("revoked", true);
    outputs.put("simulated", true);
    return new StepResult(
        outputs,
        "simulated on "
            + environment.name()
            + ": no rule removed ("
            + value(with, "cidr", CIDR)
            + " on port "
            + with.path("port").asInt(22)
            + " in "
            + value(with, "securityGroup", GROUP)
            + ")");
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
