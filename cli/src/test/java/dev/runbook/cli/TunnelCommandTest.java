package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.ssh.SshFixture;
import dev.runbook.worker.ssh.SshTunnelActivities;
import dev.runbook.worker.ssh.TunnelPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code runbook tunnel} end to end: the catalog's db-access runbook on Temporal's test server, the
 * worker's real {@code ssh.tunnel}, an embedded SSH jump host (MINA SSHD) and a real PostgreSQL
 * behind it; psql and JDBC through the engineer's forward.
 */
class TunnelCommandTest {
  private static SshFixture ssh;
  private static Path dir;
  private static TemporalFixture temporal;
  private static TunnelPool workerTunnels;
  private static final JumpBox BOX = new JumpBox();
  private static int localPort;
  private static Credentials credentials;

  /** The jump box's EC2 side: leases and /32 rules (the real steps come with the AWS issue). */
  static final class JumpBox implements Ec2Activities {
    final Set<String> rules = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    final Set<String> leases = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    volatile boolean running;

    private static StepResult result(String summary, Object... pairs) {
      var out = JsonNodeFactory.instance.objectNode();
      for (int i = 0; i < pairs.length; i += 2) {
        out.putPOJO((String) pairs[i], pairs[i + 1]);
      }
      return new StepResult(out, summary);
    }

    @Override
    public synchronized StepResult start(StepRequest r) {
      leases.add(r.runId());
      boolean starting = !running;
      running = true;
      return result("started", "instanceId", "i-0123456789abcdef0", "startedByRun", starting);
    }

    @Override
    public synchronized StepResult stop(StepRequest r) {
      leases.remove(r.runId());
      boolean stop = leases.isEmpty();
      running = running && !stop;
      return result(
          stop ? "stopped" : "left running",
          "instanceId",
          "i-0123456789abcdef0",
          "stopped",
          stop,
          "otherLeases",
          leases.size());
    }

    @Override
    public StepResult allowIngress(StepRequest r) {
      String cidr = r.with().path("cidr").asText();
      rules.add(cidr);
      return result("allowed", "securityGroupId", "sg-0123456789abcdef0", "cidr", cidr, "port", 22);
    }

    @Override
    public StepResult revokeIngress(StepRequest r) {
      rules.remove(r.with().path("cidr").asText());
      return result("revoked", "revoked", true);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    ssh = SshFixture.start();
    dir = Files.createTempDirectory("runbook-tunnel-");
    Files.createDirectories(dir.resolve("environments"));
    localPort = TemporalFixture.freePort();
    String env =
        ssh.environment(ssh.pinned())
                .replace("localPort: 15432", "localPort: " + localPort)
                .replace(
                    "secrets: { provider: local }",
                    "secrets: { provider: local, file: " + ssh.postgres.secretsFile() + " }")
            + "access: { heartbeatTimeout: 3s, maxTtl: 2h }\n";
    Files.writeString(dir.resolve("environments/stage.yaml"), env);
    Files.copy(Cli.runbooks().resolve("db-access.yaml"), dir.resolve("db-access.yaml"));
    EnvironmentSpec spec = ssh.spec(env);
    workerTunnels =
        new TunnelPool(
            TunnelPool.jumpHosts(List.of(spec)),
            (e, id) -> fail("no passphrase here"),
            TunnelPool.Settings.defaults());
    temporal =
        TemporalFixture.startWith(
            List.of(
                BOX,
                new SshTunnelActivities(
                    workerTunnels, SshTunnelActivities.databases(List.of(spec)))));
    credentials = LocalSecrets.read(ssh.postgres.secretsFile()).get("local/platform");
  }

  @AfterAll
  static void stop() {
    temporal.close();
    workerTunnels.close();
    ssh.close();
  }

  private TemporalFixture.Background tunnel(String user, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "tunnel",
                "stage",
                "platform",
                "--runbook",
                dir.resolve("db-access.yaml").toString(),
                "--environments",
                dir.resolve("environments").toString()));
    args.addAll(List.of(more));
    return temporal.start(user, args.toArray(String[]::new));
  }

  private static int forwardPort(String out) {
    Matcher m = Pattern.compile("tunnel 127\\.0\\.0\\.1:(\\d+) -> ").matcher(out);
    assertTrue(m.find(), out);
    return Integer.parseInt(m.group(1));
  }

  private RunView awaitEnd(String runId) {
    long deadline = System.nanoTime() + TemporalFixture.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      RunView view = temporal.view(runId);
      if (view.status().isFinal()) {
        return view;
      }
      TemporalFixture.sleep(Duration.ofMillis(100));
    }
    return fail("run " + runId + " did not end");
  }

  private static String psql(Path pgpass, int port, String sql) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            "psql",
            "host=127.0.0.1 port=" + port + " dbname=sshtest user=" + credentials.username(),
            "-At",
            "-c",
            sql);
    builder.environment().put("PGPASSFILE", pgpass.toString());
    builder.environment().remove("PGPASSWORD");
    builder.redirectErrorStream(true);
    Process p = builder.start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "psql did not end");
    String output = new String(p.getInputStream().readAllBytes()).trim();
    assertEquals(0, p.exitValue(), output);
    return output;
  }

  @Test
  void theTunnelCarriesPsqlAndJdbcTrafficWhileHeartbeatsHoldTheLeaseAndCtrlCCleansUp()
      throws Exception {
    Path pgpass = dir.resolve("pgpass");
    TemporalFixture.Background run = tunnel("alice", "--pgpass", pgpass.toString());
    String out = run.awaitOutput("Ctrl-C ends it");
    String runId = "db-access-stage-platform-alice";
    assertTrue(out.startsWith("run " + runId + ": db-access v1 on stage"), out);
    int port = forwardPort(out);
    assertEquals(localPort, port, "the database's localPort");
    assertTrue(out.contains("via tester@127.0.0.1:" + ssh.jump.port() + " (host key SHA256:"), out);
    assertFalse(out.contains(credentials.password()), "no password without --show-password");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pgpass)));
    assertEquals(Set.of("127.0.0.1/32"), BOX.rules);

    assertEquals("42", psql(pgpass, port, "SELECT 40 + 2"));
    Properties props = new Properties();
    props.setProperty("user", credentials.username());
    props.setProperty("password", credentials.password());
    try (Connection c =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/sshtest", props);
        ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
      assertTrue(rs.next());
      assertEquals("sshtest", rs.getString(1));
    }

    // Longer than the 3s heartbeat timeout: the CLI's heartbeats keep the lease.
    TemporalFixture.sleep(Duration.ofSeconds(5));
    RunView held = temporal.view(runId);
    assertEquals(RunStatus.RUNNING, held.status());
    assertEquals("access", held.currentStep());

    Cli.Result extended = temporal.run("alice", "tunnel", "extend", runId, "--by", "30m");
    assertEquals(0, extended.exitCode(), extended.err());
    assertTrue(
        extended.out().startsWith("run " + runId + ": extended: held until "), extended.out());
    Cli.Result stranger = temporal.run("bob", "tunnel", "extend", runId, "--by", "30m");
    assertEquals(2, stranger.exitCode());
    assertEquals(
        "runbook: refused: the lease access belongs to alice; bob cannot extend it (start your own"
            + " with runbook tunnel)\n",
        stranger.err());

    assertFalse(
        temporal
            .connection()
            .client()
            .fetchHistory(runId)
            .toString()
            .contains(credentials.password()),
        "the password was read by the CLI, never through the run");

    Cli.Result stopped = run.stop();
    assertEquals(0, stopped.exitCode(), stopped.err());
    assertTrue(stopped.out().contains("released: the cleanup steps run now"), stopped.out());
    RunView end = awaitEnd(runId);
    assertEquals(RunStatus.COMPLETED, end.status());
    assertEquals(Set.of(), BOX.rules, "the address was revoked");
    assertFalse(BOX.running, "the last lease stopped the jump box");
  }

  @Test
  void aTakenLocalPortMovesToTheNextFreeOneAndAnAskedForTakenPortIsAClearError() throws Exception {
    try (ServerSocket taken = new ServerSocket(localPort, 1, InetAddress.getLoopbackAddress())) {
      Cli.Result refused =
          temporal.run(
              "carol",
              "tunnel",
              "stage",
              "platform",
              "--runbook",
              dir.resolve("db-access.yaml").toString(),
              "--environments",
              dir.resolve("environments").toString(),
              "--local-port",
              String.valueOf(localPort));
      assertEquals(3, refused.exitCode());
      assertEquals(
          "runbook: 127.0.0.1:"
              + localPort
              + " is in use; pick another --local-port or leave it out\n",
          refused.err());

      TemporalFixture.Background run = tunnel("carol");
      String out = run.awaitOutput("Ctrl-C ends it");
      assertTrue(out.contains("127.0.0.1:" + localPort + " is taken: using 127.0.0.1:"), out);
      assertTrue(forwardPort(out) > localPort, out);
      assertEquals(0, run.stop().exitCode());
      assertEquals(RunStatus.COMPLETED, awaitEnd("db-access-stage-platform-carol").status());
    }
  }
}
