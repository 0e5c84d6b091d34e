package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus end to end through {@code runbook}: every case under {@code
 * src/test/resources/bad-input} exits with 2, prints exactly its expected diagnostics (or, for a
 * flag, its expected stderr line), prints no stack trace, and starts nothing: the runs are launched
 * against a real Temporal test server, which must hold no workflow afterwards.
 *
 * <p>The runbook, environment and launch cases were taken from the engine's corpus tests
 * (SyntaxCorpusTest, SchemaCorpusTest, ...; each case names its source), the cli cases were written
 * here.
 */
class BadInputCorpusTest {
  static final Path CORPUS = Path.of("src", "test", "resources", "bad-input");

  /** What a stack trace or a leaked exception looks like in output. */
  private static final Pattern TRACE =
      Pattern.compile("(\\n\\s+at [\\w.$]+\\(|Exception\\b|Error:|internal error)");

  /** Nothing listens here: commands that validate before connecting never notice. */
  private static final String DEAD = "127.0.0.1:" + TemporalFixture.freePort();

  private static TemporalFixture temporal;

  @TempDir static Path work;

  @BeforeAll
  static void startTemporal() {
    temporal = TemporalFixture.serverOnly();
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  static List<BadInputCase> cases() {
    try (Stream<Path> files = Files.walk(CORPUS)) {
      return files
          .filter(f -> f.toString().endsWith(".case"))
          .sorted()
          .map(f -> BadInputCase.read(CORPUS, f))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theCorpusHasAtLeast150CasesOfEveryKind() {
    List<BadInputCase> all = cases();
    assertTrue(all.size() >= 150, "only " + all.size() + " cases");
    for (String kind : List.of("runbook", "environment", "launch", "cli")) {
      assertTrue(all.stream().anyMatch(c -> c.kind().equals(kind)), "no " + kind + " case");
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCaseExits2WithItsDiagnosticsAndStartsNothing() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(BadInputCase c) throws IOException {
    Path dir = Files.createDirectories(work.resolve(c.name()));
    c.materialize(dir);
    Path environments = dir.resolve("environments");
    if (!Files.isDirectory(environments)) {
      // The runbook cases break before any environment matters; give them stage and prod.
      for (String env : List.of("stage", "prod")) {
        Cli.copy(
            CORPUS.resolve("default-environments").resolve(env + ".yaml"),
            environments.resolve(env + ".yaml"));
      }
    }
    switch (c.kind()) {
      case "runbook" -> {
        String rb = dir.resolve("rb.yaml").toString();
        expectDiagnostics(c, dir, "validate", run("validate", rb));
        expectDiagnostics(c, dir, "plan", run("plan", rb, "--env", "stage"));
        expectDiagnostics(c, dir, "run", launch(rb, "stage", List.of()));
      }
      case "environment" -> {
        Path good = Cli.write(dir.resolve("good.yaml"), GOOD_RUNBOOK);
        expectDiagnostics(
            c, dir, "validate", run("validate", dir.resolve(c.environmentFile()).toString()));
        expectDiagnostics(c, dir, "plan", run("plan", good.toString(), "--env", "stage"));
        expectDiagnostics(c, dir, "run", launch(good.toString(), "stage", List.of()));
      }
      case "launch" -> {
        String rb = dir.resolve("rb.yaml").toString();
        List<String> plan = new ArrayList<>(List.of("plan", rb, "--env", c.env()));
        for (String p : c.params()) {
          plan.addAll(List.of("-p", p));
        }
        expectDiagnostics(c, dir, "plan", run(plan.toArray(String[]::new)));
        expectDiagnostics(c, dir, "run", launch(rb, c.env(), c.params()));
      }
      case "cli" -> {
        String[] args =
            c.args().stream()
                .map(
                    a ->
                        a.replace("{dir}", dir.toString())
                            .replace("{repo}", Cli.root().toString())
                            .replace("{address}", temporal.address())
                            .replace("{dead}", DEAD))
                .toArray(String[]::new);
        Cli.Result result = temporal.run("carol", args);
        assertClean(c, "cli", result);
        List<String> err = Arrays.asList(result.err().split("\n"));
        for (String line : c.expect()) {
          String expected =
              line.replace("{dir}", dir.toString()).replace("{repo}", Cli.root().toString());
          assertTrue(
              err.contains(expected),
              c.name() + ": stderr lacks\n" + expected + "\nstderr was:\n" + result.err());
        }
      }
      default -> throw new IllegalArgumentException(c.name() + ": unknown kind " + c.kind());
    }
    assertEquals(0, workflowCount(), c.name() + ": a workflow was started");
  }

  /** A clean runbook for the environment cases: their problems come from the environment. */
  private static final String GOOD_RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: good, version: 1 }
      environments: [stage]
      steps:
        - id: hello
          uses: notify
          with: { text: hello }
      """;

  private static Cli.Result run(String... args) {
    return temporal.run("carol", args);
  }

  /** {@code runbook run} against the live test server, so a launch would be seen. */
  private static Cli.Result launch(String rb, String env, List<String> params) {
    List<String> args =
        new ArrayList<>(
            List.of("run", rb, "--env", env, "--address", temporal.address(), "--detach"));
    for (String p : params) {
      args.addAll(List.of("-p", p));
    }
    return run(args.toArray(String[]::new));
  }

  private static void expectDiagnostics(
      BadInputCase c, Path dir, String command, Cli.Result result) {
    if (!c.through(command)) {
      return;
    }
    assertClean(c, command, result);
    String prefix = dir + "/";
    List<String> diagnostics =
        Stream.concat(result.out().lines(), result.err().lines())
            .filter(l -> l.startsWith(prefix))
            .map(l -> l.replace(prefix, ""))
            .toList();
    assertEquals(
        String.join("\n", c.expect()),
        String.join("\n", diagnostics),
        c.name() + " via " + command + ": out=" + result.out() + " err=" + result.err());
  }

  private static void assertClean(BadInputCase c, String command, Cli.Result result) {
    assertEquals(
        2,
        result.exitCode(),
        c.name() + " via " + command + ": out=" + result.out() + " err=" + result.err());
    assertFalse(
        TRACE.matcher(result.err()).find(), c.name() + ": stack trace on stderr: " + result.err());
    assertFalse(
        TRACE.matcher(result.out()).find(), c.name() + ": stack trace on stdout: " + result.out());
  }

  /** Open and closed workflows on the server (its visibility has no list query). */
  private static long workflowCount() {
    var client = temporal.connection().client();
    String namespace = client.getOptions().getNamespace();
    var stub = client.getWorkflowServiceStubs().blockingStub();
    long open =
        stub.listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace(namespace).build())
            .getExecutionsCount();
    long closed =
        stub.listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace(namespace).build())
            .getExecutionsCount();
    return open + closed;
  }
}
