package dev.runbook.worker.faults;

import dev.runbook.engine.activities.StepRequest;
import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import dev.runbook.worker.sql.LocalCredentialSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A test-only worker process: the same workers {@code WorkerMain --env ENV} starts ({@link
 * RunbookWorker} with {@link CloudSteps}), each step implementation wrapped so that at the named
 * kill points it stops dead and waits for the test to SIGKILL it.
 *
 * <p>Arguments: {@code ENV ENVIRONMENTS_DIR PORT}. Environment: {@code CRASH_POINTS} (kill points,
 * comma-separated, each {@code runId/stepId/uses/phase/before|after}; phase is the {@link
 * StepRequest} phase: {@code run}, {@code preview} or {@code apply}) and {@code CRASH_DIR}: on
 * reaching a point whose marker file is not in that directory yet, it creates the marker and halts
 * the JVM at once ({@link Runtime#halt}: no shutdown hooks, like SIGKILL), so each point fires once
 * across restarts. {@code after} fires once the step has acted (and committed) but before its
 * result reaches Temporal, also when the step failed.
 */
public final class CrashingWorkerMain {
  private CrashingWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String env = args[0];
    Path environments = Path.of(args[1]);
    int port = Integer.parseInt(args[2]);
    Set<String> points = new LinkedHashSet<>();
    for (String point : System.getenv().getOrDefault("CRASH_POINTS", "").split(",")) {
      if (!point.isBlank()) {
        points.add(point.strip());
      }
    }
    Path markers = Path.of(System.getenv("CRASH_DIR"));
    TemporalConnection connection = null;
    for (int attempt = 1; connection == null; attempt++) {
      try {
        connection = TemporalTarget.local(port, "crashing-worker").connect();
      } catch (RuntimeException e) { // a loaded machine: the first connect may take longer
        if (attempt == 10) {
          throw e;
        }
      }
    }
    List<Object> steps =
        CloudSteps.fromDirectory(
                line -> System.out.println("notify: " + line),
                environments,
                Map.of(),
                LocalCredentialSource.fromEnvironment())
            .get(env);
    List<Object> wrapped = new ArrayList<>();
    for (Object step : steps) {
      wrapped.add(halting(step, points, markers));
    }
    RunbookWorker.start(
        connection.client(),
        true,
        Map.of(env, TaskQueues.of(environments, env)),
        environment -> wrapped);
    System.out.println("ready; kill points " + points);
    Thread.currentThread().join(); // until SIGKILL
  }

  private static Object halting(Object step, Set<String> points, Path markers) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          StepRequest request =
              args != null && args.length == 1 && args[0] instanceof StepRequest r ? r : null;
          if (request == null) {
            return invoke(step, method, args);
          }
          String key =
              request.runId()
                  + "/"
                  + request.stepId()
                  + "/"
                  + request.uses()
                  + "/"
                  + request.phaseOrRun();
          System.out.println("reached " + key);
          stopAt(key + "/before", points, markers);
          try {
            return invoke(step, method, args);
          } finally {
            stopAt(key + "/after", points, markers);
          }
        };
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    for (Class<?> type = step.getClass(); type != null; type = type.getSuperclass()) {
      interfaces.addAll(List.of(type.getInterfaces()));
    }
    return Proxy.newProxyInstance(
        CrashingWorkerMain.class.getClassLoader(), interfaces.toArray(Class<?>[]::new), handler);
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** At an armed point not fired yet: marks it fired and halts the process. */
  private static void stopAt(String point, Set<String> points, Path markers) {
    if (!points.contains(point)) {
      return;
    }
    try {
      Files.createFile(markers.resolve(point.replace('/', '~')));
    } catch (FileAlreadyExistsException e) {
      return; // fired in an earlier process
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("halted at " + point);
    System.out.flush();
    // dies at once, as SIGKILL would: no shutdown hook, no result reported, nothing else picked up
    Runtime.getRuntime().halt(137);
  }
}
