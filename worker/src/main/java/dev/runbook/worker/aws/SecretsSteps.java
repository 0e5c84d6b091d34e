package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.SecretsActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;

/**
 * {@code aws.secrets.get}: checks that the secret exists and the worker may see it ({@code
 * DescribeSecret}, which returns metadata only) and returns a handle, {@code secret:<secretId>}.
 * The value is never read here: the steps that need it read it at the point of use ({@link
 * SecretsManagerCredentialSource}), so it is in no output, history event, log line or message.
 */
public final class SecretsSteps implements SecretsActivities, AutoCloseable {
  /** The prefix of a handle; the rest is the secret id. */
  public static final String HANDLE_PREFIX = "secret:";

  private final AwsClients clients;
  private final AwsEnvironment env;

  public SecretsSteps(AwsClients clients) {
    this.clients = clients;
    this.env = clients.environment();
  }

  @Override
  public StepResult get(StepRequest request) {
    AwsInputs.checkEnvironment(request, env);
    String secretId = AwsInputs.optionalText(request.with(), "secretId");
    String database = AwsInputs.optionalText(request.with(), "database");
    if ((secretId == null) == (database == null)) {
      throw FailureType.INVALID_PLAN.failure("give exactly one of secretId or database");
    }
    if (secretId == null) {
      secretId = env.database(database).secretId();
    }
    String id = secretId;
    AwsCalls calls = new AwsCalls(env);
    var described =
        calls.run(
            "secretsmanager:DescribeSecret",
            "secret " + id,
            () -> clients.secrets().describeSecret(b -> b.secretId(id)));
    if (described.deletedDate() != null) {
      throw calls.fail(
          FailureType.CONFIGURATION,
          "secret " + id + " is scheduled for deletion (" + described.deletedDate() + ")");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("handle", HANDLE_PREFIX + id);
    out.put("secretId", id);
    out.put("arn", described.arn());
    return new StepResult(out, "secret " + id + " is readable by the worker (handle only)");
  }

  @Override
  public void close() {
    clients.close();
  }
}
