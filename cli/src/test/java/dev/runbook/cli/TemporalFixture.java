package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.StopSignal;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Temporal's test server on a free port, reached over TCP on 127.0.0.1 from this JVM, with a worker
 * running the interpreter and a recording notify on the local, stage and prod queues. The CLI runs
 * in-process with an injected environment (RUNBOOK_USER, TEMPORAL_ADDRESS).
 */
final class TemporalFixture implements AutoCloseable {
  /** Every bounded wait of these tests. */
  static final Duration WAIT = Duration.ofSeconds(30);

  final int port;
  final RecordingNotify notify = new RecordingNotify();
  private final TestServer.PortBoundTestServer server;
  private final TemporalConnection connection;
  private final RunbookWorker worker;

  /** Records each notification's text, as "env: text". */
  static final class RecordingNotify implements NotifyActivities {
    final List<String> texts = new CopyOnWriteArrayList<>();

    @Override
    public StepResult notify(StepRequest r) {
      texts.add(r.environment() + ": " + r.with().path("text").asText());
      return new StepResult(
          JsonNodeFactory.instance.objectNode().put("delivered", true), "recorded");
    }
  }

  /**
   * A stand-in for the SQL steps (their real implementation comes with the SQL issue): a change
   * previews one row and applies it; every other SQL step type is refused.
   */
  static final class PreviewingSql implements SqlActivities {
    @Override
    public StepResult change(StepRequest r) {
      var outputs = JsonNodeFactory.instance.objectNode();
      if (StepRequest.PREVIEW.equals(r.phaseOrRun())) {
        return new StepResult(
            outputs.put("previewRows", 1).put("previewHash", "h-" + r.stepId()), "1 row");
      }
      return new StepResult(outputs.put("rowsAffected", 1), "1 row changed");
    }

    private static StepResult refused(StepRequest r) {
      throw FailureType.CONFIGURATION.failure(r.uses() + " is not part of this test");
    }

    @Override
    public StepResult query(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult backup(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult restore(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult export(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult terminateSessions(StepRequest r) {
      return refused(r);
    }
  }

  private TemporalFixture(boolean withWorker) {
    this(withWorker, List.of());
  }

  private TemporalFixture(boolean withWorker, List<Object> extra) {
    port = freePort();
    server = TestServer.createPortBoundServer(port);
    connection = TemporalTarget.local(port, "test-worker").connect();
    LocalTemporal.registerSearchAttributes(connection);
    worker =
        withWorker
            ? RunbookWorker.start(
                connection.client(),
                true,
                Map.of("local", "runbook-local", "stage", "runbook-stage", "prod", "runbook-prod"),
                java.util.stream.Stream.concat(java.util.stream.Stream.of(notify), extra.stream())
                    .toList())
            : null;
  }

  /** A server with a worker. */
  static TemporalFixture start() {
    return new TemporalFixture(true);
  }

  /** A server with a worker that also has the given step implementations. */
  static TemporalFixture startWith(List<Object> extra) {
    return new TemporalFixture(true, extra);
  }

  /** A server alone (the test brings the worker). */
  static TemporalFixture serverOnly() {
    return new TemporalFixture(false);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  TemporalConnection connection() {
    return connection;
  }

  Map<String, String> env(String user) {
    return Map.of("RUNBOOK_USER", user, "TEMPORAL_ADDRESS", address());
  }

  /** Runs a command as {@code user} and waits for it. */
  Cli.Result run(String user, String... args) {
    return Cli.run(CliContext.of(env(user)), args);
  }

  /** Starts a command as {@code user} on another thread (a follow, a worker). */
  Background start(String user, String... args) {
    return Background.start(CliContext.of(env(user)), args);
  }

  /** The live view of a run. */
  RunView view(String id) {
    return new Runs(connection).view(id);
  }

  /** Polls the run until the gate is open. */
  GateView awaitGate(String id, String gate) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      RunView view;
      try {
        view = view(id);
      } catch (Runs.NoWorkerException slow) {
        continue; // a worker still warming up on a loaded machine: ask again until the deadline
      }
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail("run " + id + " ended " + view.status() + " before gate " + gate);
      }
      sleep(Duration.ofMillis(50));
    }
    return fail("gate " + gate + " of " + id + " did not open in " + WAIT);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (worker != null) {
      worker.close();
    }
    connection.close();
    server.close();
  }

  /** A command running on its own thread, its output readable while it runs. */
  static final class Background {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final StopSignal stop;
    private final CompletableFuture<Integer> code;

    private Background(CliContext context, String... args) {
      this.stop = context.stop();
      this.code = new CompletableFuture<>();
      // Its own thread: the common pool is tiny on small machines and Temporal's client uses it.
      Thread thread =
          new Thread(
              () -> {
                try {
                  code.complete(
                      Main.execute(new PrintWriter(out), new PrintWriter(err), context, args));
                } catch (Throwable e) {
                  code.completeExceptionally(e);
                }
              },
              "runbook " + String.join(" ", args));
      thread.setDaemon(true);
      thread.start();
    }

    static Background start(CliContext context, String... args) {
      return new Background(context, args);
    }

    /** Waits until stdout holds {@code text}; fails with the output so far after {@link #WAIT}. */
    String awaitOutput(String text) {
      return awaitOutput(o -> o.contains(text), "'" + text + "'");
    }

    String awaitOutput(Predicate<String> done, String what) {
      return awaitOutput(done, what, WAIT);
    }

    /** With a wait of its own: starting PostgreSQL and Temporal takes longer on a busy machine. */
    String awaitOutput(Predicate<String> done, String what, Duration wait) {
      long deadline = System.nanoTime() + wait.toNanos();
      while (System.nanoTime() < deadline) {
        String now = out.toString();
        if (done.test(now)) {
          return now;
        }
        if (code.isDone()) {
          break;
        }
        sleep(Duration.ofMillis(20));
      }
      return fail("no " + what + " in the output:\n" + out + "\nstderr:\n" + err);
    }

    /** The command's result, waiting up to {@link #WAIT}. */
    Cli.Result result() {
      try {
        int exit = code.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return new Cli.Result(exit, out.toString(), err.toString());
      } catch (Exception e) {
        return fail(
            "command did not end in " + WAIT + "; output:\n" + out + "\nstderr:\n" + err, e);
      }
    }

    /** Triggers the stop signal and returns the result. */
    Cli.Result stop() {
      stop.trigger();
      Cli.Result result = result();
      assertTrue(stop.stopped());
      return result;
    }
  }
}
