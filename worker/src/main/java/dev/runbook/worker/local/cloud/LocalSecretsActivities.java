package dev.runbook.worker.local.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.SecretsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import java.util.Optional;

/**
 * {@code aws.secrets.get} on {@code local}: checks that the local secrets provider holds the secret
 * (the value is read and dropped at once) and returns a handle naming it. The value never leaves
 * this method: the SQL steps read it themselves when they connect.
 */
final class LocalSecretsActivities implements SecretsActivities {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String environment;
  private final SqlTargets targets;

  LocalSecretsActivities(String environment, SqlTargets targets) {
    this.environment = environment;
    this.targets = targets;
  }

  @Override
  public StepResult get(StepRequest request) {
    JsonNode with = request.with();
    String secretId;
    CredentialSource source;
    if (with.path("database").isTextual()) {
      SqlTarget target = targets.get(environment, with.path("database").asText());
      secretId = target.secretId();
      source = target.credentials();
    } else if (with.path("secretId").isTextual()) {
      secretId = with.path("secretId").asText();
      source = anySource().orElse(null);
    } else {
      throw FailureType.INVALID_PLAN.failure("give secretId or database");
    }
    if (source == null) {
      throw FailureType.CONFIGURATION.failure(
          "no local secrets provider for " + environment + " (secret " + secretId + ")");
    }
    try {
      source.fetch(secretId); // present and readable; the value is dropped here
    } catch (CredentialSource.CredentialException e) {
      throw FailureType.CONFIGURATION.failure(e.getMessage());
    }
    ObjectNode outputs = NODES.objectNode();
    outputs.put("handle", "local-secret:" + environment + "/" + secretId);
    outputs.put("secretId", secretId);
    return new StepResult(
        outputs,
        "secret " + secretId + " is in the local secrets of " + environment + " (handle only)");
  }

  private Optional<CredentialSource> anySource() {
    return targets.all().values().stream()
        .filter(t -> t.environment().equals(environment))
        .map(SqlTarget::credentials)
        .findFirst();
  }
}
