package dev.runbook.bench;

import dev.runbook.bench.BenchCluster.Kind;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.plan.Plan;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What interpreting a plan costs against a hand-written Temporal workflow doing the same activity
 * calls, measured side by side in one JVM on the in-memory test server in real time (no time
 * skipping). Nothing asserts timings.
 *
 * <ol>
 *   <li>Overhead: one run at a time of a 20-step runbook of {@code notify} steps (no-op activity)
 *       against a workflow calling the same activity 20 times, and that workflow again with the
 *       interpreter's activity options (to attribute the difference). One run of each per round,
 *       the order rotated every round; a fresh server every few rounds. Median and p90 wall time
 *       from start to result, process CPU per run, replay time of one finished run (the workflow
 *       code alone), history events and bytes.
 *   <li>Throughput: 200 runs of 10 steps started at once on one worker, runs per second from the
 *       first start to the last result, each batch on a fresh server; platform threads, then
 *       virtual workflow and task threads.
 * </ol>
 *
 * <p>System properties: {@code bench.steps} (20), {@code bench.warmup} (100 rounds), {@code
 * bench.iterations} (100 rounds), {@code bench.roundsPerServer} (10), {@code bench.concurrent}
 * (200), {@code bench.throughputSteps} (10), {@code bench.throughputWarmup} (3 batches per
 * variant), {@code bench.rounds} (7 batches per variant), {@code bench.verbose}, {@code
 * runbook.root}.
 */
public final class InterpreterBench {
  private static final int STEPS = Integer.getInteger("bench.steps", 20);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 100);
  private static final int ITERATIONS = Integer.getInteger("bench.iterations", 100);
  private static final int CONCURRENT = Integer.getInteger("bench.concurrent", 200);
  private static final int THROUGHPUT_STEPS = Integer.getInteger("bench.throughputSteps", 10);
  private static final int ROUNDS_PER_SERVER = Integer.getInteger("bench.roundsPerServer", 10);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 7);
  private static final int THROUGHPUT_WARMUP = Integer.getInteger("bench.throughputWarmup", 3);

  private static final boolean VERBOSE = Boolean.getBoolean("bench.verbose");
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private InterpreterBench() {}

  public static void main(String[] args) {
    Map<String, ValidatedEnvironment> envs =
        CompileBench.environments(CompileBench.repositoryRoot());
    Plan overheadPlan = NoopRunbook.plan(STEPS, envs);
    Plan throughputPlan = NoopRunbook.plan(THROUGHPUT_STEPS, envs);

    System.out.printf(
        "InterpreterBench: Java %s, %d cores, max heap %d MB; in-memory test server, real time%n%n",
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);

    BenchResults results = new BenchResults("interpreter");
    overhead(overheadPlan, results);
    System.out.println();
    throughput(throughputPlan, results);
    results.write();
  }

  // ---- 1. overhead ---------------------------------------------------------------------------

  private static void overhead(Plan plan, BenchResults results) {
    Map<Kind, long[]> nanos = new EnumMap<>(Kind.class);
    Map<Kind, long[]> cpu = new EnumMap<>(Kind.class);
    Map<Kind, long[]> replays = new EnumMap<>(Kind.class);
    Map<Kind, int[]> events = new EnumMap<>(Kind.class);
    Map<Kind, int[]> bytes = new EnumMap<>(Kind.class);
    Map<Kind, WorkflowExecutionHistory> histories = new EnumMap<>(Kind.class);
    for (Kind kind : Kind.values()) {
      nanos.put(kind, new long[ITERATIONS]);
      cpu.put(kind, new long[ITERATIONS]);
      replays.put(kind, new long[ITERATIONS]);
      events.put(kind, new int[ITERATIONS]);
      bytes.put(kind, new int[ITERATIONS]);
    }
    BenchCluster cluster = null;
    try {
      for (int i = 0; i < WARMUP + ITERATIONS; i++) {
        // A fresh server every few rounds: the test server slows down with every task it has
        // handled (see README), which would drown the difference being measured.
        if (i % ROUNDS_PER_SERVER == 0) {
          if (cluster != null) {
            cluster.close();
          }
          cluster = new BenchCluster(false, false);
        }
        int m = i - WARMUP;
        for (Kind kind : order(i, ALL)) {
          long cpuStart = processCpuNanos();
          long start = System.nanoTime();
          String id = cluster.run(kind, plan);
          if (m >= 0) {
            nanos.get(kind)[m] = System.nanoTime() - start;
            cpu.get(kind)[m] = processCpuNanos() - cpuStart;
            WorkflowExecutionHistory history = cluster.history(id);
            events.get(kind)[m] = history.getEvents().size();
            bytes.get(kind)[m] = history.getHistory().getSerializedSize();
            histories.put(kind, history);
          }
        }
      }
      // The workflow code alone: replaying a finished run's history on the worker (no server).
      for (int i = 0; i < WARMUP + ITERATIONS; i++) {
        int m = i - WARMUP;
        for (Kind kind : order(i, ALL)) {
          long start = System.nanoTime();
          cluster.replay(histories.get(kind));
          if (m >= 0) {
            replays.get(kind)[m] = System.nanoTime() - start;
          }
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }

    System.out.printf(
        "1. Overhead: %d notify steps per run, one run at a time; %d warm-up + %d measured rounds,"
            + " variants interleaved, a fresh server every %d rounds%n",
        STEPS, WARMUP, ITERATIONS, ROUNDS_PER_SERVER);
    System.out.printf(
        "%-14s %10s %10s %12s %10s %11s %12s %11s%n",
        "variant",
        "median ms",
        "p90 ms",
        "cpu ms (avg)",
        "replay ms",
        "events/run",
        "events/step",
        "history KB");
    for (Kind kind : Kind.values()) {
      double ev = median(events.get(kind));
      System.out.printf(
          "%-14s %10.2f %10.2f %12.2f %10.2f %11.0f %12.2f %11.1f%n",
          kind.label,
          median(nanos.get(kind)) / 1e6,
          percentile(nanos.get(kind), 0.9) / 1e6,
          mean(cpu.get(kind)) / 1e6,
          median(replays.get(kind)) / 1e6,
          ev,
          ev / STEPS,
          median(bytes.get(kind)) / 1024.0);
    }
    System.out.printf(
        "median wall time interpreter / hand-written: %.3f (aim <= 1.10);"
            + " hand+options / hand-written: %.3f%n"
            + "process cpu per run interpreter / hand-written: %.3f%n"
            + "median replay time interpreter / hand-written: %.3f (workflow code only)%n"
            + "extra history events per step: %+.2f (aim <= +1)%n",
        median(nanos.get(Kind.INTERPRETER)) / median(nanos.get(Kind.HAND_WRITTEN)),
        median(nanos.get(Kind.HAND_WRITTEN_OPTIONS)) / median(nanos.get(Kind.HAND_WRITTEN)),
        mean(cpu.get(Kind.INTERPRETER)) / mean(cpu.get(Kind.HAND_WRITTEN)),
        median(replays.get(Kind.INTERPRETER)) / median(replays.get(Kind.HAND_WRITTEN)),
        (median(events.get(Kind.INTERPRETER)) - median(events.get(Kind.HAND_WRITTEN))) / STEPS);

    String task = "overhead, " + STEPS + "-step run";
    double hand = median(nanos.get(Kind.HAND_WRITTEN)) / 1e6;
    results.add(task, "hand-written workflow", "median ms", hand, hand, "");
    results.add(
        task,
        "hand-written + interpreter's options",
        "median ms",
        median(nanos.get(Kind.HAND_WRITTEN_OPTIONS)) / 1e6,
        hand,
        "");
    results.add(
        task,
        "interpreter",
        "median ms",
        median(nanos.get(Kind.INTERPRETER)) / 1e6,
        hand,
        "<= 1.10");
    results.add(
        task,
        "interpreter",
        "cpu ms/run",
        mean(cpu.get(Kind.INTERPRETER)) / 1e6,
        mean(cpu.get(Kind.HAND_WRITTEN)) / 1e6,
        "");
    results.add(
        task,
        "interpreter",
        "events/step",
        median(events.get(Kind.INTERPRETER)) / (double) STEPS,
        median(events.get(Kind.HAND_WRITTEN)) / (double) STEPS,
        "<= +1 event/step");
  }

  /** Rotates which variant goes first, so none always runs on a warmer worker. */
  private static List<Kind> order(int i, List<Kind> kinds) {
    List<Kind> out = new ArrayList<>(kinds);
    java.util.Collections.rotate(out, i % kinds.size());
    return out;
  }

  /** The overhead compares all three; throughput the interpreter and the plain hand-written. */
  private static final List<Kind> ALL = List.of(Kind.values());

  private static final List<Kind> TWO = List.of(Kind.HAND_WRITTEN, Kind.INTERPRETER);

  // ---- 2. throughput -------------------------------------------------------------------------

  private record Batch(double runsPerSecond, int peakThreads) {}

  private static void throughput(Plan plan, BenchResults results) {
    System.out.printf(
        "2. Throughput: %d concurrent runs of %d notify steps on one worker; %d warm-up + %d"
            + " measured batches per variant, interleaved, each on a fresh server; median%n",
        CONCURRENT, THROUGHPUT_STEPS, THROUGHPUT_WARMUP, ROUNDS);
    System.out.printf(
        "%-9s %-14s %10s %10s %10s %22s%n",
        "threads", "variant", "runs/s", "min", "max", "peak platform threads");
    for (boolean virtual : new boolean[] {false, true}) {
      String label = virtual ? "virtual" : "platform";
      // A fresh server and worker per batch: the in-memory server keeps every history and gets
      // slower as they pile up, which would penalise whichever variant runs later.
      for (int i = 0; i < THROUGHPUT_WARMUP; i++) {
        for (Kind kind : order(i, TWO)) {
          fresh(virtual, kind, plan);
        }
      }
      Map<Kind, List<Batch>> batches = new EnumMap<>(Kind.class);
      for (int round = 0; round < ROUNDS; round++) {
        for (Kind kind : order(round, TWO)) {
          batches.computeIfAbsent(kind, k -> new ArrayList<>()).add(fresh(virtual, kind, plan));
        }
      }
      Map<Kind, Double> medians = new EnumMap<>(Kind.class);
      for (Kind kind : TWO) {
        double[] rates =
            batches.get(kind).stream().mapToDouble(Batch::runsPerSecond).sorted().toArray();
        int peak = batches.get(kind).stream().mapToInt(Batch::peakThreads).max().orElse(0);
        medians.put(kind, rates[rates.length / 2]);
        System.out.printf(
            "%-9s %-14s %10.1f %10.1f %10.1f %22d%n",
            label, kind.label, rates[rates.length / 2], rates[0], rates[rates.length - 1], peak);
      }
      System.out.printf(
          "%-9s %-14s %10.3f   (interpreter / hand-written, aim >= 0.9)%n",
          label, "ratio", medians.get(Kind.INTERPRETER) / medians.get(Kind.HAND_WRITTEN));
      results.add(
          "throughput, " + CONCURRENT + " concurrent runs",
          "interpreter, " + label + " threads",
          "runs/s",
          medians.get(Kind.INTERPRETER),
          medians.get(Kind.HAND_WRITTEN),
          ">= 0.9");
    }
  }

  private static Batch fresh(boolean virtual, Kind kind, Plan plan) {
    try (BenchCluster cluster = new BenchCluster(virtual, false)) {
      return batch(cluster, kind, plan);
    }
  }

  private static Batch batch(BenchCluster cluster, Kind kind, Plan plan) {
    THREADS.resetPeakThreadCount();
    long gcBefore = gcMillis();
    long start = System.nanoTime();
    List<WorkflowStub> stubs = new ArrayList<>(CONCURRENT);
    for (int i = 0; i < CONCURRENT; i++) {
      stubs.add(cluster.start(kind, plan));
    }
    long started = System.nanoTime();
    for (WorkflowStub stub : stubs) {
      cluster.await(kind, stub, plan);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (VERBOSE) {
      System.out.printf(
          "    %-14s %6.0f ms (starting %4.0f ms), gc %4d ms%n",
          kind.label, seconds * 1e3, (started - start) / 1e6, gcMillis() - gcBefore);
    }
    return new Batch(CONCURRENT / seconds, THREADS.getPeakThreadCount());
  }

  /** CPU time of the whole process (server, worker and client threads alike). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(b -> Math.max(0, b.getCollectionTime()))
        .sum();
  }

  // ---- statistics ----------------------------------------------------------------------------

  private static double median(long[] samples) {
    return percentile(samples, 0.5);
  }

  /** The mean: process CPU time comes in scheduler ticks, too coarse for a median. */
  private static double mean(long[] samples) {
    return Arrays.stream(samples).average().orElse(0);
  }

  private static double median(int[] samples) {
    int[] sorted = samples.clone();
    Arrays.sort(sorted);
    return sorted[(sorted.length - 1) / 2];
  }

  /** Nearest-rank percentile. */
  private static double percentile(long[] samples, double p) {
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
