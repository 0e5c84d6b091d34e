package dev.runbook.worker;

import dev.runbook.engine.activities.AuditActivities;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.RunbookWorkflow;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Workers of one process: the interpreter workflow on the control queue, and on each environment's
 * queue the step implementations given plus {@link UnimplementedSteps} for every other step type.
 */
public final class RunbookWorker implements AutoCloseable {
  /** How long a graceful stop waits for running tasks before it cancels them. */
  public static final long STOP_SECONDS = 20;

  private final WorkerFactory factory;
  private final StepHeartbeats heartbeats;
  private final boolean control;
  private final Map<String, String> queues;
  private final Map<String, List<String>> implemented;
  private final List<Object> activities;

  private RunbookWorker(
      WorkerFactory factory,
      StepHeartbeats heartbeats,
      boolean control,
      Map<String, String> queues,
      Map<String, List<String>> types,
      List<Object> activities) {
    this.factory = factory;
    this.heartbeats = heartbeats;
    this.control = control;
    this.queues = queues;
    this.implemented = types;
    this.activities = activities;
  }

  /**
   * The step implementations without database access: {@code notify} written to {@code out}. The
   * worker and {@code runbook dev} assemble every environment's steps with {@link CloudSteps}.
   */
  public static List<Object> availableActivities(java.util.function.Consumer<String> out) {
    return List.of(new LogNotifyActivities(out));
  }

  /**
   * Starts polling.
   *
   * @param control whether to run the interpreter workflow on {@link RunbookWorkflow#CONTROL_QUEUE}
   * @param queues environment name -> its task queue, each polled for the step implementations
   */
  public static RunbookWorker start(
      WorkflowClient client, boolean control, Map<String, String> queues, List<Object> activities) {
    return start(client, control, queues, environment -> activities, null);
  }

  /** Starts polling, the interpreter writing to an audit store (see the last overload). */
  public static RunbookWorker start(
      WorkflowClient client,
      boolean control,
      Map<String, String> queues,
      List<Object> activities,
      AuditActivities audit) {
    return start(client, control, queues, environment -> activities, audit);
  }

  /**
   * Starts polling, each environment's queue with its own step implementations (e.g. {@code local}
   * with the local cloud provider, {@code prod} with AWS: see {@link CloudSteps}).
   */
  public static RunbookWorker start(
      WorkflowClient client,
      boolean control,
      Map<String, String> queues,
      java.util.function.Function<String, List<Object>> activities) {
    return start(client, control, queues, activities, null);
  }

  /**
   * Starts polling.
   *
   * @param activities environment name -> its step implementations
   * @param audit the audit activity of the control queue (e.g. {@code JdbcAuditActivities}); null:
   *     no store, runs say so in their view
   */
  public static RunbookWorker start(
      WorkflowClient client,
      boolean control,
      Map<String, String> queues,
      java.util.function.Function<String, List<Object>> activities,
      AuditActivities audit) {
    StepHeartbeats heartbeats = new StepHeartbeats();
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client, WorkerFactoryOptions.newBuilder().setWorkerInterceptors(heartbeats).build());
    WorkerOptions steps =
        WorkerOptions.newBuilder()
            .setMaxHeartbeatThrottleInterval(StepHeartbeats.MAX_THROTTLE)
            .build();
    if (control) {
      Worker worker = factory.newWorker(RunbookWorkflow.CONTROL_QUEUE);
      // the interpreter, target locks and their helpers
      if (audit == null) {
        ControlWorker.register(worker);
      } else {
        ControlWorker.register(worker, audit);
      }
    }
    Map<String, String> polled = new LinkedHashMap<>(queues);
    Map<String, List<String>> types = new LinkedHashMap<>();
    List<Object> all = new ArrayList<>();
    polled.forEach(
        (environment, queue) -> {
          List<Object> own = activities.apply(environment);
          own = own == null ? List.of() : own;
          types.put(environment, stepTypes(own));
          Worker worker = factory.newWorker(queue, steps);
          if (!own.isEmpty()) {
            worker.registerActivitiesImplementations(own.toArray());
          }
          worker.registerActivitiesImplementations(
              new UnimplementedSteps(environment, queue, types.get(environment)));
          own.stream().filter(a -> all.stream().noneMatch(b -> b == a)).forEach(all::add);
        });
    factory.start();
    return new RunbookWorker(factory, heartbeats, control, polled, types, List.copyOf(all));
  }

  /** The step types (activity type names) the given implementations provide, sorted. */
  public static List<String> stepTypes(List<Object> activities) {
    TreeSet<String> types = new TreeSet<>();
    for (Object implementation : activities) {
      Deque<Class<?>> todo = new ArrayDeque<>(List.of(implementation.getClass().getInterfaces()));
      while (!todo.isEmpty()) {
        Class<?> type = todo.pop();
        todo.addAll(List.of(type.getInterfaces()));
        ActivityInterface contract = type.getAnnotation(ActivityInterface.class);
        if (contract == null) {
          continue;
        }
        for (Method method : type.getDeclaredMethods()) {
          ActivityMethod named = method.getAnnotation(ActivityMethod.class);
          String name =
              named != null && !named.name().isEmpty()
                  ? named.name()
                  : contract.namePrefix() + capitalize(method.getName());
          types.add(name);
        }
      }
    }
    return List.copyOf(types);
  }

  private static String capitalize(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  /** What this process polls, one line per queue, for banners. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    if (control) {
      lines.add(RunbookWorkflow.CONTROL_QUEUE + ": the Runbook workflow (interpreter)");
    }
    queues.forEach(
        (environment, queue) -> {
          List<String> types = implemented(environment);
          String steps =
              types.isEmpty() ? "no step implementations" : "steps " + String.join(", ", types);
          lines.add(queue + " (" + environment + "): " + steps);
        });
    return lines;
  }

  /** The step types implemented on any polled queue, sorted. */
  public List<String> implemented() {
    TreeSet<String> all = new TreeSet<>();
    implemented.values().forEach(all::addAll);
    return List.copyOf(all);
  }

  /** The step types implemented on {@code environment}'s queue, sorted. */
  public List<String> implemented(String environment) {
    return implemented.getOrDefault(environment, List.of());
  }

  /**
   * Stops polling, lets running tasks finish (up to {@link #STOP_SECONDS}), then stops and closes
   * the step implementations that hold resources (connection pools).
   */
  @Override
  public void close() {
    factory.shutdown();
    factory.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS);
    if (!factory.isTerminated()) {
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    }
    heartbeats.close();
    for (Object implementation : activities) {
      if (implementation instanceof AutoCloseable closeable) {
        try {
          closeable.close(); // e.g. the SQL steps' connection pools
        } catch (Exception e) {
          // stopping anyway
        }
      }
    }
  }
}
