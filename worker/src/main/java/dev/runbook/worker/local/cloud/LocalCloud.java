package dev.runbook.worker.local.cloud;

import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.RestoredCopies;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code local} provider of one environment: its databases ({@link SqlTargets}), the registry
 * of what it made, and the restored copies the SQL steps reach through their {@code instance}
 * input.
 */
public final class LocalCloud implements RestoredCopies {
  private final EnvironmentSpec environment;
  private final SqlTargets targets;
  private final CloudRegistry registry = new CloudRegistry();

  /** The provider of {@code environment}, whose databases are {@code targets}' ones. */
  public LocalCloud(EnvironmentSpec environment, SqlTargets targets) {
    this.environment = environment;
    this.targets = targets;
  }

  /** Its step implementations: RDS, EC2 (simulated) and secrets. */
  public List<Object> activities(PooledConnections pools) {
    return List.of(
        new LocalRdsActivities(this, pools),
        new LocalEc2Activities(environment),
        new LocalSecretsActivities(environment.name(), targets));
  }

  String name() {
    return environment.name();
  }

  EnvironmentSpec spec() {
    return environment;
  }

  CloudRegistry registry() {
    return registry;
  }

  SqlTarget database(String name) {
    return targets.get(environment.name(), name);
  }

  /** The PostgreSQL servers of the environment's databases, each once. */
  List<PgServer> servers() {
    List<PgServer> servers = new ArrayList<>();
    for (SqlTarget target : targets.all().values()) {
      if (!target.environment().equals(environment.name())
          || target.engine() != SqlTarget.Engine.POSTGRESQL) {
        continue;
      }
      PgServer server = PgServer.of(target);
      if (servers.stream().noneMatch(server::sameAs)) {
        servers.add(server);
      }
    }
    return servers;
  }

  /** The instance {@code id} and the server its record is on, if the provider made it. */
  Optional<Located> findInstance(String id) {
    for (PgServer server : servers()) {
      Optional<CloudRegistry.Entry> entry =
          registry.find(server, environment.name(), CloudRegistry.INSTANCE, id);
      if (entry.isPresent()) {
        return Optional.of(new Located(server, entry.get()));
      }
    }
    return Optional.empty();
  }

  /** A registry entry and its server. */
  record Located(PgServer server, CloudRegistry.Entry entry) {}

  /** The SQL target of a restored copy: the live database's, on the copy's database. */
  static SqlTarget copyTarget(SqlTarget live, CloudRegistry.Entry entry) {
    return new SqlTarget(
        live.environment(),
        live.name() + "@" + entry.id(),
        live.engine(),
        live.host(),
        live.port(),
        entry.database(),
        live.secretId(),
        live.sensitiveColumns(),
        live.engineSchema(),
        live.credentials());
  }

  @Override
  public SqlTarget copyOf(SqlTarget live, String instance, String runId) {
    String id = CloudNames.identifier(instance);
    CloudRegistry.Entry entry =
        registry
            .find(PgServer.of(live), environment.name(), CloudRegistry.INSTANCE, id)
            .orElseThrow(
                () ->
                    FailureType.NOT_OWNED.failure(
                        "instance "
                            + instance
                            + " is not a copy restored by the local provider in "
                            + environment.name()
                            + ": SQL steps reach only a restored copy this run made"));
    if (!entry.runId().equals(runId)) {
      throw FailureType.NOT_OWNED.failure(
          "instance " + id + " was restored by run " + entry.runId() + ", not by this run");
    }
    if (!entry.source().equals(live.name())) {
      throw FailureType.INVALID_PLAN.failure(
          "instance " + id + " is a copy of " + entry.source() + ", not of " + live.name());
    }
    if (!entry.status().equals(CloudRegistry.AVAILABLE)) {
      throw FailureType.CONFIGURATION.failure(
          "instance " + id + " is " + entry.status() + ", not available");
    }
    return copyTarget(live, entry);
  }
}
