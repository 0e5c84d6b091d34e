package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.SshActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A jump box and its security group for lease tests, with the documented semantics of the real EC2
 * steps (worker's {@code aws} package, tested against the AWS wire format there): {@code start}
 * records a lease of the run and starts a stopped box (then "started by the engine"); {@code stop}
 * drops the run's own lease and stops the box only when no lease remains and the engine started it;
 * ingress rules are one /32 each.
 */
final class LeasedJumpBox implements Ec2Activities, NotifyActivities, SshActivities {
  static final String INSTANCE = "i-0a1b2c3d4e5f60718";

  final List<String> calls = new CopyOnWriteArrayList<>();
  private boolean running;
  private boolean startedByEngine;
  private final Map<String, String> leases = new LinkedHashMap<>();
  private final Set<String> rules = new LinkedHashSet<>();

  synchronized boolean running() {
    return running;
  }

  synchronized Set<String> rules() {
    return Set.copyOf(rules);
  }

  synchronized Set<String> leases() {
    return Set.copyOf(leases.keySet());
  }

  private static ObjectNode outputs() {
    return JsonNodeFactory.instance.objectNode();
  }

  private void call(StepRequest r) {
    calls.add(r.runId() + ":" + r.uses());
  }

  @Override
  public synchronized StepResult start(StepRequest r) {
    call(r);
    leases.put(r.runId(), r.launcher());
    boolean starting = !running;
    if (starting) {
      running = true;
      startedByEngine = true;
    }
    return new StepResult(
        outputs().put("instanceId", INSTANCE).put("startedByRun", starting).put("state", "running"),
        starting ? "started" : "already running");
  }

  @Override
  public synchronized StepResult stop(StepRequest r) {
    call(r);
    leases.remove(r.runId());
    boolean stop = running && startedByEngine && leases.isEmpty();
    if (stop) {
      running = false;
      startedByEngine = false;
    }
    return new StepResult(
        outputs()
            .put("instanceId", INSTANCE)
            .put("stopped", stop)
            .put("otherLeases", leases.size()),
        stop ? "stopped" : "left running: still leased by " + leases.keySet());
  }

  @Override
  public synchronized StepResult allowIngress(StepRequest r) {
    call(r);
    String cidr = r.with().path("cidr").asText();
    rules.add(cidr);
    return new StepResult(
        outputs()
            .put("securityGroupId", "sg-0123456789abcdef0")
            .put("cidr", cidr)
            .put("port", 22)
            .put("alreadyPresent", false),
        "allowed " + cidr);
  }

  @Override
  public synchronized StepResult revokeIngress(StepRequest r) {
    call(r);
    boolean revoked = rules.remove(r.with().path("cidr").asText());
    return new StepResult(outputs().put("revoked", revoked), "revoked " + r.with().path("cidr"));
  }

  @Override
  public StepResult tunnel(StepRequest r) {
    call(r);
    return new StepResult(outputs().put("host", "127.0.0.1").put("port", 41234), "tunnel checked");
  }

  @Override
  public StepResult notify(StepRequest r) {
    call(r);
    return new StepResult(outputs().put("delivered", true), "notified");
  }
}
