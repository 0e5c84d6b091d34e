package dev.runbook.worker;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Heartbeats every running step that has a heartbeat timeout, from a timer thread, while the step
 * itself runs (a long UPDATE, a database copy). So Temporal tells a live step from one whose worker
 * died: after a crash the step is retried once its heartbeat timeout passes, not its whole
 * start-to-close timeout. A step that heartbeats itself keeps its details: the timer sends the
 * latest ones again. Local activities (the audit store) have no heartbeats and are left alone.
 */
public final class StepHeartbeats extends WorkerInterceptorBase {
  /** How often the timer heartbeats; the SDK sends at most one per throttle interval. */
  static final Duration EVERY = Duration.ofSeconds(2);

  /**
   * The longest the SDK waits between heartbeats it sends: a third of the interpreter's heartbeat
   * timeout, so one late heartbeat on a busy worker is not a dead step.
   */
  public static final Duration MAX_THROTTLE = Duration.ofSeconds(10);

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "step-heartbeats");
            thread.setDaemon(true);
            return thread;
          });

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new Beating(next, timer);
  }

  /** Stops the timer thread (the worker stopped). */
  public void close() {
    timer.shutdownNow();
  }

  private static final class Beating extends ActivityInboundCallsInterceptorBase {
    private final ScheduledExecutorService timer;
    private final AtomicReference<Object> details = new AtomicReference<>();
    private ActivityExecutionContext context;

    Beating(ActivityInboundCallsInterceptor next, ScheduledExecutorService timer) {
      super(next);
      this.timer = timer;
    }

    @Override
    public void init(ActivityExecutionContext context) {
      this.context = context;
      super.init(beats() ? remembering(context) : context);
    }

    @Override
    public ActivityOutput execute(ActivityInput input) {
      if (!beats()) {
        return super.execute(input);
      }
      long every = EVERY.toMillis();
      ScheduledFuture<?> beating =
          timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
      try {
        return super.execute(input);
      } finally {
        beating.cancel(false);
      }
    }

    private boolean beats() {
      Duration timeout = context.getInfo().getHeartbeatTimeout();
      return !context.getInfo().isLocal() && timeout != null && !timeout.isZero();
    }

    private void beat() {
      try {
        context.heartbeat(details.get());
      } catch (ActivityCompletionException e) {
        // cancelled or timed out: the step learns it from its own heartbeats or its result
      } catch (RuntimeException e) {
        // a failed send is retried by the next beat; never let it stop the timer
      }
    }

    /** The context the step sees: its own heartbeats' details are kept for the timer. */
    private ActivityExecutionContext remembering(ActivityExecutionContext real) {
      return (ActivityExecutionContext)
          Proxy.newProxyInstance(
              ActivityExecutionContext.class.getClassLoader(),
              new Class<?>[] {ActivityExecutionContext.class},
              (proxy, method, args) -> {
                if (method.getName().equals("heartbeat") && args != null && args.length == 1) {
                  details.set(args[0]);
                }
                try {
                  return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }
  }
}
