package dev.runbook.worker.aws;

import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.RestoredCopies;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import java.util.Optional;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;

/**
 * The restored copies of an {@code aws} environment: a SQL step's {@code instance} (the {@code
 * instanceId} of an earlier {@code aws.rds.restore-pitr}) is looked up in RDS, must carry this
 * run's {@code runbook:run-id} tag (on the instance or its cluster) and be available; the step then
 * connects to its endpoint with the live database's engine, secret and masking, through the
 * worker's tunnel when the live database is {@code via: jump-box}.
 */
public final class AwsRestoredCopies implements RestoredCopies {
  private final EnvironmentSpec environment;
  private final RdsLookup rds;
  private final SqlTargets.Route tunnels;

  public AwsRestoredCopies(
      EnvironmentSpec environment, AwsClients clients, SqlTargets.Route tunnels) {
    this.environment = environment;
    this.rds = new RdsLookup(clients.rds(), new AwsCalls(AwsEnvironment.from(environment)));
    this.tunnels = tunnels;
  }

  @Override
  public SqlTarget copyOf(SqlTarget live, String instance, String runId) {
    DBInstance copy =
        rds.instance(instance)
            .orElseThrow(
                () ->
                    FailureType.CONFIGURATION.failure(
                        "restored instance "
                            + instance
                            + " not found in "
                            + environment.name()
                            + " ("
                            + environment.region()
                            + ")"));
    String owner = RdsLookup.tag(copy.tagList(), Tags.RUN_ID);
    if (owner == null && copy.dbClusterIdentifier() != null) {
      Optional<DBCluster> cluster = rds.cluster(copy.dbClusterIdentifier());
      owner = cluster.map(c -> RdsLookup.tag(c.tagList(), Tags.RUN_ID)).orElse(null);
    }
    if (!runId.equals(owner)) {
      throw FailureType.NOT_OWNED.failure(
          "refused: instance "
              + instance
              + " was not restored by this run ("
              + (owner == null ? "no runbook:run-id tag" : "restored by " + owner)
              + "); a SQL step reads only the copies its own run restored");
    }
    if (copy.endpoint() == null || !"available".equals(copy.dbInstanceStatus())) {
      throw FailureType.TRANSIENT.failure(
          "restored instance " + instance + " is " + copy.dbInstanceStatus() + ", not available");
    }
    SqlTargets.Endpoint remote =
        new SqlTargets.Endpoint(copy.endpoint().address(), copy.endpoint().port());
    boolean viaJumpBox =
        "jump-box"
            .equals(
                environment.databases().get(live.name()) == null
                    ? null
                    : environment.databases().get(live.name()).path("via").asText(null));
    String name = live.name() + "@" + instance;
    SqlTargets.Endpoint reach =
        viaJumpBox && tunnels != null ? tunnels.open(environment.name(), name, remote) : remote;
    return new SqlTarget(
        live.environment(),
        name,
        live.engine(),
        reach.host(),
        reach.port(),
        live.database(),
        live.secretId(),
        live.sensitiveColumns(),
        live.engineSchema(),
        live.credentials());
  }
}
