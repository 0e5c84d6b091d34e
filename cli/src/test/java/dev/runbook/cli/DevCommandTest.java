package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dev}: Temporal and every environment's worker in this JVM, on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DevCommandTest {
  private static String environments() {
    return Cli.runbooks().resolve("environments").toString();
  }

  private static CliContext as(String user, int port) {
    return CliContext.of(Map.of("RUNBOOK_USER", user, "TEMPORAL_ADDRESS", "127.0.0.1:" + port));
  }

  @Test
  void devListensOnLoopbackAcceptsARunThatASecondPersonApprovesAndStopsCleanly() {
    int port = TemporalFixture.freePort();
    TemporalFixture.Background dev =
        TemporalFixture.Background.start(
            CliContext.of(Map.of()),
            "dev",
            "--port",
            String.valueOf(port),
            "--environments",
            environments());
    try {
      String banner = dev.awaitOutput("ready; Ctrl-C stops it\n");
      assertEquals(
          """
          Temporal test server on 127.0.0.1:<port> (loopback only; in memory: runs are gone when it stops)
          namespace default, search attributes RunbookName, RunbookVersion, Environment, Launcher, Ticket, RunStatus, Approvers
          worker polls runbook-control: the Runbook workflow (interpreter)
          worker polls runbook-local (local): steps notify
          worker polls runbook-prod (prod): steps notify
          worker polls runbook-stage (stage): steps notify
          connect from another terminal, e.g.:
            RUNBOOK_USER=carol runbook run runbooks/demo.yaml --env local -p ticket=DEMO-1 --address 127.0.0.1:<port>
            RUNBOOK_USER=bob runbook approve <run id> --address 127.0.0.1:<port>
          ready; Ctrl-C stops it
          """,
          Cli.normalize(banner, port));

      TemporalFixture.Background run =
          TemporalFixture.Background.start(as("carol", port), RunCommandTest.runDemo("DEMO-61"));
      run.awaitOutput("reject:");
      Cli.Result approved = Cli.run(as("bob", port), "approve", "demo-local-DEMO-61");
      Cli.Result ran = run.result();
      Cli.Result stopped = dev.stop();

      assertEquals(
          new Cli.Result(0, "run demo-local-DEMO-61: approved: gate local/review is open\n", ""),
          approved);
      assertEquals(0, ran.exitCode(), ran.toString());
      assertTrue(ran.out().contains("run demo-local-DEMO-61 COMPLETED after "), ran.out());
      assertEquals(0, stopped.exitCode(), stopped.toString());
      assertTrue(
          stopped
              .out()
              .contains(
                  "worker: notify [local] demo-local-DEMO-61: DEMO-61: every step of"
                      + " demo-local-DEMO-61 passed\n"),
          stopped.out());
      assertTrue(stopped.out().endsWith("stopping\nstopped\n"), stopped.out());
    } finally {
      dev.stop.trigger(); // also when an assertion failed: never leave it running
    }
  }

  @Test
  void ctrlCOrSigtermStopsTheDevServerCleanly(@TempDir Path dir) throws Exception {
    int port = TemporalFixture.freePort();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "dev",
            "--port",
            String.valueOf(port),
            "--environments",
            environments()));
    Path out = dir.resolve("out.txt");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TemporalFixture.WAIT.toNanos();
      while (!Files.readString(out).contains("ready;") && System.nanoTime() < deadline) {
        assertTrue(process.isAlive(), () -> "dev exited early: " + Cli.read(out));
        Thread.sleep(50);
      }

      process.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the same shutdown hook

      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM");
      assertEquals(143, process.exitValue(), Cli.read(out) + Cli.read(dir.resolve("err.txt")));
      assertTrue(Cli.read(out).endsWith("stopping\nstopped\n"), Cli.read(out));
      assertEquals("", Cli.read(dir.resolve("err.txt")));
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void aTakenPortIsExit3AskingForAnotherOne() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Cli.Result result =
          Cli.run(
              CliContext.of(Map.of()),
              "dev",
              "--port",
              String.valueOf(port),
              "--environments",
              environments());

      assertEquals(3, result.exitCode());
      assertEquals("", result.out());
      assertTrue(
          result.err().startsWith("runbook: cannot listen on 127.0.0.1:" + port + " ("),
          result.err());
      assertTrue(
          result
              .err()
              .endsWith("is another `runbook dev` or Temporal server running? Pass --port\n"),
          result.err());
    }
  }
}
