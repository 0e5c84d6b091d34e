package dev.runbook.worker.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.SshActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.SqlTargets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ssh.tunnel}: opens (or joins) the worker's pooled tunnel through the environment's jump
 * box to a database and returns its local end. Idempotent: a retry joins the open tunnel. A {@code
 * via: direct} database needs none: its own endpoint is returned. Closes the pool when the worker
 * stops.
 */
public final class SshTunnelActivities implements SshActivities, AutoCloseable {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TunnelPool pool;
  private final Map<String, JsonNode> databases;

  /**
   * @param databases {@code environment/database} -> its entry of the environment file
   */
  public SshTunnelActivities(TunnelPool pool, Map<String, JsonNode> databases) {
    this.pool = pool;
    this.databases = Map.copyOf(databases);
  }

  /** The databases of the given environments, keyed {@code environment/database}. */
  public static Map<String, JsonNode> databases(List<EnvironmentSpec> environments) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      env.databases().forEach((name, db) -> out.put(env.name() + "/" + name, db));
    }
    return out;
  }

  @Override
  public StepResult tunnel(StepRequest request) {
    String name = request.with().path("database").asText("");
    JsonNode db = databases.get(request.environment() + "/" + name);
    if (db == null) {
      throw FailureType.CONFIGURATION.failure(
          "no database " + name + " in environment " + request.environment());
    }
    String endpoint = db.path("endpoint").asText();
    int port = db.path("port").asInt();
    ObjectNode outputs = NODES.objectNode();
    if (!"jump-box".equals(db.path("via").asText("direct"))) {
      outputs.put("host", endpoint);
      outputs.put("port", port);
      outputs.put("tunnel", false);
      return new StepResult(
          outputs,
          name
              + " ("
              + request.environment()
              + ") is reached directly at "
              + endpoint
              + ":"
              + port
              + ": no tunnel needed");
    }
    JumpHost jump = pool.jumpHost(request.environment());
    int localPort = request.with().path("localPort").asInt(0);
    SqlTargets.Endpoint local = pool.open(jump, endpoint, port, localPort);
    outputs.put("host", local.host());
    outputs.put("port", local.port());
    outputs.put("tunnel", true);
    return new StepResult(
        outputs,
        "tunnel "
            + local.host()
            + ":"
            + local.port()
            + " -> "
            + endpoint
            + ":"
            + port
            + " via "
            + jump.describe()
            + " (host key verified)");
  }

  @Override
  public void close() {
    pool.close();
  }
}
