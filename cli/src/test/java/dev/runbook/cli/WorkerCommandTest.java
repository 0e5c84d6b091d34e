package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code worker}: the production worker process, started and stopped in this JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerCommandTest {
  static TemporalFixture temporal;

  @BeforeAll
  static void start() {
    temporal = TemporalFixture.serverOnly();
  }

  @AfterAll
  static void stop() {
    temporal.close();
  }

  private static String environments() {
    return Cli.runbooks().resolve("environments").toString();
  }

  @Test
  void theWorkerRunsARunToCompletionAndStopsCleanlyOnTheStopSignal() {
    TemporalFixture.Background worker =
        temporal.start("ops", "worker", "--env", "local", "--environments", environments());
    try {
      String banner = worker.awaitOutput("ready; SIGTERM or Ctrl-C stops it\n");
      assertEquals(
          """
          worker for local on 127.0.0.1:<port> (namespace default) as ops
            polls runbook-control: the Runbook workflow (interpreter)
            polls runbook-local (local): steps aws.ec2.allow-ingress, aws.ec2.revoke-ingress, aws.ec2.start, aws.ec2.stop, aws.rds.delete, aws.rds.restore-pitr, aws.rds.snapshot, aws.secrets.get, exec, flyway.info, flyway.migrate, flyway.repair, flyway.validate, notify, prisma.revert, sql.backup, sql.change, sql.export, sql.query, sql.restore, sql.terminate-sessions, ssh.tunnel
            audit store: none (--audit-db-url); runs say they are not recorded
            a step type this worker does not implement fails at once, naming the type
          ready; SIGTERM or Ctrl-C stops it
          """,
          Cli.normalize(banner, temporal.port));

      temporal.run("carol", RunCommandTest.runDemo("DEMO-51", "--detach"));
      temporal.awaitGate("demo-local-DEMO-51", "local/review");
      temporal.run("bob", "approve", "demo-local-DEMO-51");
      Cli.Result watched = temporal.run("carol", "watch", "demo-local-DEMO-51");
      Cli.Result stopped = worker.stop();

      assertEquals(0, watched.exitCode(), watched.toString());
      assertEquals(0, stopped.exitCode(), stopped.toString());
      assertEquals("", stopped.err());
      assertTrue(
          stopped
              .out()
              .contains(
                  "notify [local] demo-local-DEMO-51: DEMO-51: carol started demo-local-DEMO-51\n"),
          stopped.out());
      assertTrue(
          stopped
              .out()
              .endsWith(
                  "notify [local] demo-local-DEMO-51: DEMO-51: demo-local-DEMO-51 ended completed\n"
                      + "stopping: letting running tasks finish (up to 20s)\n"
                      + "worker stopped\n"),
          stopped.out());
    } finally {
      worker.stop.trigger();
    }
  }

  @Test
  void anUnknownEnvironmentIsExit2NamingTheOnesThere() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: --env qa: no such environment in "
                + environments()
                + " (there: local, prod, stage)\n"),
        temporal.run("ops", "worker", "--env", "qa", "--environments", environments()));
  }

  @Test
  void anUnreachableServerIsExit3InOneLine() {
    int closed = TemporalFixture.freePort();
    Cli.Result result =
        Cli.run(
            CliContext.of(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + closed)),
            "worker",
            "--env",
            "local",
            "--environments",
            environments());

    assertEquals(3, result.exitCode());
    assertEquals(1, result.err().lines().count(), result.err());
    assertTrue(
        result.err().startsWith("runbook: cannot reach Temporal at 127.0.0.1:" + closed),
        result.err());
  }
}
