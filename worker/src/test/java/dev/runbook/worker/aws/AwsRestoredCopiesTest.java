package dev.runbook.worker.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A SQL step's {@code instance} on AWS: the restored instance found through the real SDK on the
 * stub, its owner checked by tag, its endpoint reached directly or through the tunnel route.
 */
class AwsRestoredCopiesTest {
  private final AwsStub aws = new AwsStub();
  private final List<String> opened = new ArrayList<>();

  @AfterEach
  void stop() {
    aws.server.stop();
  }

  private SqlTarget live(EnvironmentSpec env) {
    return SqlTargets.of(
            List.of(env), Map.of(), Map.of("stage", id -> new Credentials("runbook", "pw")))
        .get("stage", "platform");
  }

  private AwsRestoredCopies copies(EnvironmentSpec env) {
    SqlTargets.Route route =
        (environment, database, remote) -> {
          opened.add(environment + " " + database + " -> " + remote.host() + ":" + remote.port());
          return new SqlTargets.Endpoint("127.0.0.1", 25432);
        };
    return new AwsRestoredCopies(
        env, AwsClients.of(AwsEnvironment.from(env), AwsStub.settings()), route);
  }

  @Test
  void aCopyThisRunRestoredIsReachedAtItsEndpointWithTheLiveSecret() {
    EnvironmentSpec env = aws.environment();
    aws.rds(
        "DescribeDBInstances", RdsStepsTest.instance("platform-pitr", "available", "run-1", null));

    SqlTarget copy = copies(env).copyOf(live(env), "platform-pitr", "run-1");

    assertEquals("platform@platform-pitr", copy.name());
    assertEquals("platform-pitr.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", copy.host());
    assertEquals(5432, copy.port());
    assertEquals("platform", copy.database());
    assertEquals("stage/platform/runbook", copy.secretId());
    assertEquals(List.of(), opened, "a direct database needs no tunnel");
  }

  @Test
  void behindTheJumpBoxTheCopyIsReachedThroughTheTunnelRoute() {
    EnvironmentSpec env =
        aws.environment(
            "",
            AwsStub.DATABASES.replace(
                "port: 5432\n  database: platform",
                "port: 5432\n  database: platform\n  via: jump-box\n  localPort: 15432"));
    aws.rds(
        "DescribeDBInstances", RdsStepsTest.instance("platform-pitr", "available", "run-1", null));

    SqlTarget copy = copies(env).copyOf(live(env), "platform-pitr", "run-1");

    assertEquals("127.0.0.1", copy.host());
    assertEquals(25432, copy.port());
    assertEquals(
        List.of(
            "stage platform@platform-pitr -> platform-pitr.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:5432"),
        opened);
  }

  @Test
  void anotherRunsCopyIsRefused() {
    EnvironmentSpec env = aws.environment();
    aws.rds(
        "DescribeDBInstances", RdsStepsTest.instance("platform-pitr", "available", "run-9", null));

    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () -> copies(env).copyOf(live(env), "platform-pitr", "run-1"));

    assertEquals("NOT_OWNED", failure.getType());
    assertEquals(
        "refused: instance platform-pitr was not restored by this run (restored by run-9); a SQL"
            + " step reads only the copies its own run restored",
        failure.getOriginalMessage());
  }

  @Test
  void aCopyStillBeingCreatedIsRetriedLater() {
    EnvironmentSpec env = aws.environment();
    aws.rds(
        "DescribeDBInstances", RdsStepsTest.instance("platform-pitr", "creating", "run-1", null));

    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () -> copies(env).copyOf(live(env), "platform-pitr", "run-1"));

    assertEquals("TRANSIENT", failure.getType());
  }
}
