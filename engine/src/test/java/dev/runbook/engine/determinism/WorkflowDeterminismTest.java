package dev.runbook.engine.determinism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.determinism.DeterminismScanner.Finding;
import dev.runbook.engine.determinism.fixtures.CleanWorkflow;
import dev.runbook.engine.determinism.fixtures.ClockReadingWorkflow;
import dev.runbook.engine.determinism.fixtures.EveryForbiddenCall;
import dev.runbook.engine.determinism.fixtures.IndirectWorkflow;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.engine.workflow.RunbookWorkflowImpl;
import io.temporal.activity.ActivityInterface;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The workflow's code, and every method of ours it reaches, makes no non-deterministic call (see
 * {@link DeterminismScanner} and {@link ForbiddenCalls}). Runs in {@code verify} with the other
 * tests; Temporal's workflowcheck would do the same but is not on Maven Central.
 *
 * <p>Roots: every class of {@code dev.runbook.engine.workflow} (main classes), plus the payload
 * types the data converter builds inside the workflow (inputs, results, activity requests and
 * results, and the records they hold). {@code -Ddeterminism.print=true} lists every method the scan
 * reached.
 */
class WorkflowDeterminismTest {
  private static final String OURS = "dev/runbook/engine/";
  private static final String WORKFLOW_PACKAGE = "dev/runbook/engine/workflow";

  /**
   * Findings judged safe, each with the reason. A key is {@code Class.method -> call} as printed by
   * a failing run. An entry that no longer matches fails the test, so the list stays true.
   */
  static final Map<String, String> ALLOWED = Map.of();

  @Test
  void theWorkflowAndEverythingOfOursItReachesIsDeterministic() throws Exception {
    DeterminismScanner scanner = mainScanner();
    List<Finding> findings = scanner.scan(mainRoots());

    List<Finding> unexpected =
        findings.stream().filter(f -> !ALLOWED.containsKey(f.key())).toList();
    if (!unexpected.isEmpty()) {
      fail(
          unexpected.size()
              + " non-deterministic call(s) in workflow code (fix them, or allow-list one in"
              + " WorkflowDeterminismTest.ALLOWED with the reason it is safe):\n  "
              + unexpected.stream().map(Finding::describe).collect(Collectors.joining("\n  ")));
    }
    Set<String> used = findings.stream().map(Finding::key).collect(Collectors.toSet());
    List<String> stale = ALLOWED.keySet().stream().filter(k -> !used.contains(k)).sorted().toList();
    assertEquals(List.of(), stale, "allow-list entries that no longer match anything: remove them");
  }

  /** The scan really follows the interpreter into the expression engine, plans and JSON. */
  @Test
  void theScanFollowsTheInterpreterIntoOurOtherPackages() throws Exception {
    DeterminismScanner scanner = mainScanner();
    scanner.scan(mainRoots());
    Set<String> reached = scanner.reachedMethods();
    if (Boolean.getBoolean("determinism.print")) {
      reached.forEach(System.out::println);
    }

    for (String expected :
        List.of(
            "dev.runbook.engine.workflow.RunbookWorkflowImpl.run",
            "dev.runbook.engine.workflow.RunbookWorkflowImpl.lambda$run$0",
            "dev.runbook.engine.workflow.RunScope.resolve",
            "dev.runbook.engine.expr.Template.parse",
            "dev.runbook.engine.expr.Compiler.compile",
            "dev.runbook.engine.compile.JsonValues.toPlain",
            "dev.runbook.engine.plan.PlanJson.hash",
            "dev.runbook.engine.plan.Plan.<init>",
            "dev.runbook.engine.activities.StepResult.<init>")) {
      assertTrue(reached.contains(expected), expected + " not reached; reached: " + reached);
    }
    // Library boundary: nothing outside our packages is scanned.
    assertTrue(reached.stream().allMatch(m -> m.startsWith("dev.runbook.engine.")), "" + reached);
    // Only what is called: the CLI-side file reading is not workflow code.
    assertFalse(reached.stream().anyMatch(m -> m.startsWith("dev.runbook.engine.Workspace.")));
  }

  @Test
  void aFixtureThatReadsTheClockIsReported() throws Exception {
    List<Finding> findings =
        fixtureScanner().scan(List.of(internalName(ClockReadingWorkflow.class)));

    assertEquals(
        List.of(
            "dev.runbook.engine.determinism.fixtures.ClockReadingWorkflow.startedAt"
                + " -> java.lang.System.currentTimeMillis"),
        findings.stream().map(Finding::key).toList());
    assertTrue(findings.get(0).reason().contains("Workflow.currentTimeMillis"));
  }

  @Test
  void everyForbiddenFamilyIsRecognised() throws Exception {
    List<String> calls =
        fixtureScanner().scan(List.of(internalName(EveryForbiddenCall.class))).stream()
            .map(Finding::call)
            .toList();

    List<String> expected =
        List.of(
            "java.lang.System.currentTimeMillis",
            "java.lang.System.nanoTime",
            "java.time.Instant.now",
            "java.time.LocalDate.now",
            "java.time.LocalDateTime.now",
            "java.time.ZonedDateTime.now",
            "java.time.OffsetDateTime.now",
            "java.time.Clock.systemUTC",
            "java.util.UUID.randomUUID",
            "java.lang.Math.random",
            "new java.util.Random",
            "new java.security.SecureRandom",
            "java.util.concurrent.ThreadLocalRandom.current",
            "new java.lang.Thread",
            "java.lang.Thread.start",
            "java.util.concurrent.Executors.newSingleThreadExecutor",
            "java.util.concurrent.CompletableFuture.supplyAsync",
            "java.util.concurrent.CompletableFuture.runAsync",
            "java.lang.Thread.sleep",
            "new java.io.File",
            "new java.io.FileInputStream",
            "java.io.FileInputStream.close",
            "java.nio.file.Paths.get",
            "java.nio.file.Files.exists",
            "new java.net.Socket",
            "java.net.Socket.close",
            "java.lang.System.getenv",
            "java.lang.System.getProperty",
            "java.util.HashMap.keySet",
            "java.util.HashMap.values",
            "java.util.HashMap.entrySet",
            "java.util.HashMap.forEach",
            "java.util.HashSet.iterator",
            "java.util.HashSet.forEach");
    assertEquals(new TreeSet<>(expected), new TreeSet<>(calls));
  }

  @Test
  void indirectCallsAndHashOrderedIterationAreReportedWithTheirPath() throws Exception {
    List<Finding> findings = fixtureScanner().scan(List.of(internalName(IndirectWorkflow.class)));
    Set<String> keys = findings.stream().map(Finding::key).collect(Collectors.toSet());

    String fixtures = "dev.runbook.engine.determinism.fixtures.";
    Set<String> expected =
        new TreeSet<>(
            List.of(
                fixtures + "Helper.stamp -> java.time.Instant.now",
                fixtures + "RandomStamper.stamp -> new java.util.Random",
                fixtures + "IndirectWorkflow.run -> java.lang.System.nanoTime",
                fixtures + "IndirectWorkflow.run -> java.util.Map.keySet on java.util.HashMap",
                fixtures
                    + "IndirectWorkflow.run -> java.util.Set.iterator on Set.of (iteration order"
                    + " differs from one JVM to the next)",
                fixtures + "IndirectWorkflow.run -> java.util.List.copyOf given Collectors.toSet"));
    assertEquals(expected, new TreeSet<>(keys), describe(findings));
    Finding viaLambda =
        findings.stream().filter(f -> f.call().equals("java.time.Instant.now")).findFirst().get();
    // Every method of a root class is a root, the lambda's body included.
    assertEquals(
        List.of(fixtures + "IndirectWorkflow.lambda$run$0", fixtures + "Helper.stamp"),
        viaLambda.path());
  }

  @Test
  void deterministicCodeIsNotReported() throws Exception {
    List<Finding> findings = fixtureScanner().scan(List.of(internalName(CleanWorkflow.class)));
    assertEquals(List.of(), findings, describe(findings));
  }

  // ---- setup ---------------------------------------------------------------------------------

  private static DeterminismScanner mainScanner() throws URISyntaxException {
    Path main = codeSource(RunbookWorkflowImpl.class);
    return new DeterminismScanner(
        loader(), OURS, DeterminismScanner.classesUnder(main, "dev/runbook/engine", true));
  }

  private static DeterminismScanner fixtureScanner() throws URISyntaxException {
    Path tests = codeSource(ClockReadingWorkflow.class);
    return new DeterminismScanner(
        loader(),
        OURS,
        DeterminismScanner.classesUnder(tests, "dev/runbook/engine/determinism/fixtures", false));
  }

  /**
   * Every class of the workflow package, plus the types Temporal's data converter builds inside the
   * workflow (inputs, results, activity payloads): their constructors run in workflow code.
   */
  private static List<String> mainRoots() throws URISyntaxException {
    Path main = codeSource(RunbookWorkflowImpl.class);
    Set<String> roots =
        new LinkedHashSet<>(DeterminismScanner.classesUnder(main, WORKFLOW_PACKAGE, false));
    if (roots.isEmpty()) {
      fail("no classes found in " + main.resolve(WORKFLOW_PACKAGE));
    }
    List<Class<?>> interfaces = new ArrayList<>(List.of(RunbookWorkflow.class));
    for (String name :
        DeterminismScanner.classesUnder(main, "dev/runbook/engine/activities", false)) {
      Class<?> type = load(name);
      if (type.isAnnotationPresent(ActivityInterface.class)) {
        interfaces.add(type);
      }
    }
    for (Class<?> payload : payloadTypes(interfaces)) {
      roots.add(internalName(payload));
    }
    return List.copyOf(roots);
  }

  /** Our types reachable from the interfaces' parameters and results, through record components. */
  static Set<Class<?>> payloadTypes(List<Class<?>> interfaces) {
    Deque<Type> todo = new ArrayDeque<>();
    for (Class<?> i : interfaces) {
      for (Method m : i.getMethods()) {
        todo.addAll(List.of(m.getGenericParameterTypes()));
        todo.add(m.getGenericReturnType());
      }
    }
    Set<Class<?>> out = new LinkedHashSet<>();
    while (!todo.isEmpty()) {
      Type t = todo.poll();
      if (t instanceof ParameterizedType p) {
        todo.addAll(List.of(p.getActualTypeArguments()));
        todo.add(p.getRawType());
      } else if (t instanceof Class<?> c) {
        if (c.isArray()) {
          todo.add(c.getComponentType());
        } else if (c.getName().startsWith("dev.runbook.engine.") && out.add(c)) {
          if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
              todo.add(rc.getGenericType());
            }
          }
          if (c.isSealed()) {
            todo.addAll(List.of(c.getPermittedSubclasses()));
          }
          todo.addAll(List.of(c.getDeclaredClasses()));
        }
      }
    }
    return out;
  }

  private static String describe(List<Finding> findings) {
    return findings.stream().map(Finding::describe).collect(Collectors.joining("\n"));
  }

  private static ClassLoader loader() {
    return WorkflowDeterminismTest.class.getClassLoader();
  }

  private static Class<?> load(String internalName) {
    try {
      return Class.forName(internalName.replace('/', '.'), false, loader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String internalName(Class<?> type) {
    return type.getName().replace('.', '/');
  }

  private static Path codeSource(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
