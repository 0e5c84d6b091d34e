package dev.runbook.worker.flyway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for {@code aws.rds.snapshot} on {@code local} while the local provider (real
 * PostgreSQL snapshots) is built on another branch: it records the request and reports an available
 * snapshot. At merge, the migration runbook tests switch to the local provider.
 */
final class SnapshotStub implements RdsActivities {
  final List<String> snapshots = new CopyOnWriteArrayList<>();

  @Override
  public StepResult snapshot(StepRequest request) {
    String id = "rb-" + request.with().path("database").asText() + "-" + request.runId();
    snapshots.add(request.environment() + "/" + request.with().path("database").asText());
    ObjectNode outputs = JsonNodeFactory.instance.objectNode();
    outputs.put("snapshotId", id);
    outputs.put("snapshotArn", "arn:local:snapshot:" + id);
    outputs.put("status", "available");
    return new StepResult(outputs, "snapshot " + id + " available (test stand-in)");
  }

  @Override
  public StepResult restorePitr(StepRequest request) {
    throw FailureType.CONFIGURATION.failure("not part of the migration tests");
  }

  @Override
  public StepResult delete(StepRequest request) {
    throw FailureType.CONFIGURATION.failure("not part of the migration tests");
  }
}
