package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code WorkerMain}: the worker process on its own, started and stopped. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerMainTest {
  @Test
  void itPollsUntilStoppedThenStopsCleanlyWithExit0() throws Exception {
    try (LocalServer server = new LocalServer()) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      StopSignal stop = StopSignal.manual();
      CompletableFuture<Integer> code = new CompletableFuture<>();
      Thread thread =
          new Thread(
              () ->
                  code.complete(
                      WorkerMain.execute(
                          stop,
                          new PrintWriter(out),
                          new PrintWriter(err),
                          "--env",
                          "stage",
                          "--environments",
                          LocalServer.environments().toString(),
                          "--address",
                          "127.0.0.1:" + server.port)));
      thread.setDaemon(true);
      thread.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!out.toString().contains("ready;") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      stop.trigger();

      assertEquals(0, code.get(30, TimeUnit.SECONDS), err.toString());
      assertEquals("", err.toString());
      String text = out.toString();
      assertTrue(
          text.startsWith("worker for stage on 127.0.0.1:" + server.port + " (namespace default)"),
          text);
      assertTrue(
          text.contains(
              "  polls runbook-stage (stage): steps aws.ec2.allow-ingress, aws.ec2.revoke-ingress, aws.ec2.start, aws.ec2.stop, aws.rds.delete, aws.rds.restore-pitr, aws.rds.snapshot, aws.secrets.get, exec, flyway.info, flyway.migrate, flyway.repair, flyway.validate, notify, prisma.revert, sql.backup, sql.change, sql.export, sql.query, sql.restore, sql.terminate-sessions, ssh.tunnel\n"),
          text);
      assertTrue(text.endsWith("worker stopped\n"), text);
    }
  }

  @Test
  void sigtermStopsTheWorkerProcessAfterItsRunningTasks(@TempDir Path dir) throws Exception {
    try (LocalServer server = new LocalServer()) {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.add("--enable-native-access=ALL-UNNAMED");
      if (Runtime.version().feature() >= 24) {
        command.add("--sun-misc-unsafe-memory-access=allow");
      }
      String logging = System.getProperty("logback.configurationFile");
      if (logging != null) {
        command.add("-Dlogback.configurationFile=" + logging); // as quiet as this test's JVM
      }
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              WorkerMain.class.getName(),
              "--env",
              "local",
              "--environments",
              LocalServer.environments().toString(),
              "--address",
              "127.0.0.1:" + server.port));
      Path out = dir.resolve("out.txt");
      Process process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(dir.resolve("err.txt").toFile())
              .start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(out).contains("ready;") && System.nanoTime() < deadline) {
          assertTrue(process.isAlive(), () -> "worker exited early: " + read(dir));
          Thread.sleep(50);
        }

        process.destroy(); // SIGTERM

        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM");
        assertEquals(143, process.exitValue(), read(dir));
        assertTrue(Files.readString(out).endsWith("worker stopped\n"), read(dir));
      } finally {
        process.destroyForcibly();
      }
    }
  }

  private static String read(Path dir) {
    try {
      return Files.readString(dir.resolve("out.txt")) + Files.readString(dir.resolve("err.txt"));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  @Test
  void anUnknownEnvironmentIsExit2AndAMissingServerExit3() {
    StringWriter err = new StringWriter();
    int unknown =
        WorkerMain.execute(
            StopSignal.manual(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err),
            "--env",
            "qa",
            "--environments",
            LocalServer.environments().toString());
    assertEquals(2, unknown);
    assertEquals(
        "runbook-worker: --env qa: no such environment in "
            + LocalServer.environments()
            + " (there: local, prod, stage)\n",
        err.toString());

    StringWriter err3 = new StringWriter();
    int port = LocalServer.freePort();
    int unreachable =
        WorkerMain.execute(
            StopSignal.manual(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err3),
            "--env",
            "local",
            "--environments",
            LocalServer.environments().toString(),
            "--address",
            "127.0.0.1:" + port);
    assertEquals(3, unreachable);
    assertTrue(
        err3.toString().startsWith("runbook-worker: cannot reach Temporal at 127.0.0.1:" + port),
        err3.toString());
  }
}
