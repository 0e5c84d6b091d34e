package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Step activities for workflow tests: they record every call ("env:type:step") and fail where a
 * test says so. The real implementations live in the worker and are tested against real servers.
 */
final class FakeActivities implements SqlActivities, Ec2Activities, NotifyActivities {
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<StepRequest> requests = new CopyOnWriteArrayList<>();

  /** "env:type:step" keys (step types included) that fail with a non-retryable failure. */
  final Set<String> failing = ConcurrentHashMap.newKeySet();

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
    return new StepResult(outputs, r.uses() + " done");
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
    return handle(r, outputs());
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
}
