package dev.runbook.worker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks a long-running command (a worker, {@code dev}, a live follow) to stop and waits until it has
 * cleaned up. {@link #jvm()} is triggered by SIGTERM or Ctrl-C through a shutdown hook; {@link
 * #manual()} by {@link #trigger()} (tests).
 */
public final class StopSignal {
  private static final AtomicBoolean JVM_SHUTTING_DOWN = new AtomicBoolean();

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private final boolean jvm;
  private final AtomicBoolean armed = new AtomicBoolean();

  private StopSignal(boolean jvm) {
    this.jvm = jvm;
  }

  /** Triggered by the JVM's shutdown (SIGTERM, SIGINT) once {@link #arm()} was called. */
  public static StopSignal jvm() {
    return new StopSignal(true);
  }

  /** Triggered only by {@link #trigger()}. */
  public static StopSignal manual() {
    return new StopSignal(false);
  }

  /** True once a shutdown hook of ours ran: then nobody may call System.exit any more. */
  public static boolean jvmShuttingDown() {
    return JVM_SHUTTING_DOWN.get();
  }

  /**
   * From now on a SIGTERM or Ctrl-C triggers this signal, and the JVM waits (up to {@code grace})
   * for {@link #done()} before it exits.
   */
  public void arm(Duration grace) {
    if (!jvm || !armed.compareAndSet(false, true)) {
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  JVM_SHUTTING_DOWN.set(true);
                  stop.countDown();
                  try {
                    done.await(grace.toMillis(), TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "runbook-stop"));
  }

  public void trigger() {
    stop.countDown();
  }

  public boolean stopped() {
    return stop.getCount() == 0;
  }

  /** Waits up to {@code timeout} for the signal; true when it came. */
  public boolean await(Duration timeout) {
    try {
      return stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** The command has cleaned up; a waiting shutdown may proceed. */
  public void done() {
    done.countDown();
  }
}
