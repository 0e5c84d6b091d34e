package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.FlywayActivities;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.SshActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Step activities for workflow tests: they record every call ("env:type:step") and fail where a
 * test says so; a test may also give a step's outputs (the catalog rehearsals). The real
 * implementations live in the worker and are tested against real servers.
 */
final class FakeActivities
    implements SqlActivities,
        Ec2Activities,
        NotifyActivities,
        RdsActivities,
        FlywayActivities,
        SshActivities {
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<StepRequest> requests = new CopyOnWriteArrayList<>();

  /** "env:type:step" keys (step types included) that fail with a non-retryable failure. */
  final Set<String> failing = ConcurrentHashMap.newKeySet();

  /**
   * Outputs a step returns instead of the defaults below, by "env:step" or by step id (every
   * environment); fields not given keep their default.
   */
  final Map<String, ObjectNode> given = new ConcurrentHashMap<>();

  private StepResult handle(StepRequest r, ObjectNode outputs) {
    String key =
        r.environment()
            + ":"
            + r.uses()
            + ":"
            + r.stepId()
            + (StepRequest.RUN.equals(r.phaseOrRun()) ? "" : "@" + r.phaseOrRun());
    calls.add(key);
    requests.add(r);
    if (failing.contains(key)) {
      throw FailureType.SQL_ERROR.failure("injected failure at " + key);
    }
    ObjectNode result = outputs.deepCopy();
    ObjectNode scripted = given.get(r.environment() + ":" + r.stepId());
    if (scripted == null) {
      scripted = given.get(r.stepId());
    }
    if (scripted != null) {
      result.setAll(scripted);
    }
    return new StepResult(result, r.uses() + " done");
  }

  private static ObjectNode outputs() {
    return JsonNodeFactory.instance.objectNode();
  }

  @Override
  public StepResult query(StepRequest r) {
    return handle(r, outputs().put("rowCount", 3));
  }

  @Override
  public StepResult change(StepRequest r) {
    if (StepRequest.PREVIEW.equals(r.phaseOrRun())) {
      return handle(r, outputs().put("previewRows", 1).put("previewHash", "preview-" + r.stepId()));
    }
    return handle(r, outputs().put("rowsAffected", 1).put("backupTable", "bk_" + r.stepId()));
  }

  @Override
  public StepResult backup(StepRequest r) {
    return handle(r, outputs().put("backupTable", "bk_" + r.stepId()).put("rowCount", 1));
  }

  @Override
  public StepResult restore(StepRequest r) {
    return handle(r, outputs().put("rowsRestored", 1));
  }

  @Override
  public StepResult export(StepRequest r) {
    return handle(
        r,
        outputs()
            .put("path", "exports/" + r.runId() + "/" + r.stepId() + ".csv")
            .put("rowCount", 3)
            .put("sha256", "0".repeat(64)));
  }

  @Override
  public StepResult terminateSessions(StepRequest r) {
    return handle(r, outputs());
  }

  @Override
  public StepResult start(StepRequest r) {
    return handle(r, outputs().put("instanceId", "i-0123456789abcdef0"));
  }

  @Override
  public StepResult stop(StepRequest r) {
    return handle(r, outputs().put("stopped", true));
  }

  @Override
  public StepResult allowIngress(StepRequest r) {
    return handle(
        r,
        outputs()
            .put("securityGroupId", "sg-0123456789abcdef0")
            .put("cidr", r.with().path("cidr").asText())
            .put("port", 22));
  }

  @Override
  public StepResult revokeIngress(StepRequest r) {
    return handle(r, outputs().put("revoked", true));
  }

  @Override
  public StepResult notify(StepRequest r) {
    return handle(r, outputs().put("delivered", true));
  }

  @Override
  public StepResult snapshot(StepRequest r) {
    String id = r.environment() + "-" + r.with().path("database").asText() + "-" + r.stepId();
    return handle(
        r,
        outputs()
            .put("snapshotId", id)
            .put("snapshotArn", "arn:aws:rds:eu-west-1:123456789012:snapshot:" + id)
            .put("status", "available"));
  }

  @Override
  public StepResult restorePitr(StepRequest r) {
    JsonNode target = r.with().path("target");
    return handle(r, outputs().put("instanceId", target.asText()).put("status", "available"));
  }

  @Override
  public StepResult delete(StepRequest r) {
    return handle(r, outputs().put("deleted", true));
  }

  @Override
  public StepResult migrate(StepRequest r) {
    return handle(r, outputs().put("migrationsExecuted", 0));
  }

  @Override
  public StepResult info(StepRequest r) {
    return handle(r, outputs().putNull("failed"));
  }

  @Override
  public StepResult validate(StepRequest r) {
    return handle(r, outputs().put("valid", true));
  }

  @Override
  public StepResult repair(StepRequest r) {
    return handle(r, outputs().put("repaired", true));
  }

  @Override
  public StepResult tunnel(StepRequest r) {
    return handle(r, outputs().put("reachable", true));
  }
}
