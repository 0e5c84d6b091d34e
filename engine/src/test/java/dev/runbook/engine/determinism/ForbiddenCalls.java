package dev.runbook.engine.determinism;

import java.util.Set;

/**
 * What workflow code may not call, by bytecode owner (internal name), method name and descriptor.
 * Each rule answers with the reason and what to use instead, or null when the call is fine. The
 * iteration of unordered collections needs data flow and lives in {@link DeterminismScanner}.
 */
final class ForbiddenCalls {
  private ForbiddenCalls() {}

  static final String CLOCK = "reads the clock: use Workflow.currentTimeMillis()/Workflow.sleep";
  static final String RANDOM = "randomness: use Workflow.newRandom()/Workflow.randomUUID()";
  static final String THREADS = "threads: use Async.function/Promise and Workflow.sleep/newTimer";
  static final String IO = "file system IO: do it in an activity";
  static final String NETWORK = "network: do it in an activity";
  static final String ENVIRONMENT =
      "reads the worker's environment or system properties: pass it in the workflow input";
  static final String UNORDERED =
      "iterates a hash-ordered collection: use LinkedHashMap/LinkedHashSet/TreeMap, or sort";
  static final String STATIC_STATE =
      "writes static state outside a static initializer: shared by every run on the worker";

  private static final Set<String> TIME_WITH_NOW =
      Set.of(
          "java/time/Instant",
          "java/time/LocalDate",
          "java/time/LocalDateTime",
          "java/time/LocalTime",
          "java/time/ZonedDateTime",
          "java/time/OffsetDateTime",
          "java/time/OffsetTime",
          "java/time/Year",
          "java/time/YearMonth",
          "java/time/MonthDay");

  private static final Set<String> RANDOM_TYPES =
      Set.of("java/util/Random", "java/security/SecureRandom", "java/util/SplittableRandom");

  private static final Set<String> THREAD_TYPES =
      Set.of(
          "java/lang/Thread",
          "java/util/concurrent/ThreadPoolExecutor",
          "java/util/concurrent/ScheduledThreadPoolExecutor",
          "java/util/concurrent/ForkJoinPool",
          "java/util/Timer");

  private static final Set<String> EXECUTOR_TYPES =
      Set.of(
          "java/util/concurrent/Executor",
          "java/util/concurrent/ExecutorService",
          "java/util/concurrent/ScheduledExecutorService",
          "java/util/concurrent/Executors",
          "java/util/concurrent/ForkJoinPool",
          "java/util/concurrent/ThreadPoolExecutor");

  /**
   * Why a call of {@code owner.name desc} is forbidden, or null. Constructors come as {@code
   * <init>}: {@code new Random()} is a call of {@code java/util/Random.<init>}.
   */
  static String call(String owner, String name, String desc) {
    switch (owner) {
      case "java/lang/System" -> {
        return switch (name) {
          case "currentTimeMillis", "nanoTime" -> CLOCK;
          case "getenv", "getProperty", "getProperties" -> ENVIRONMENT;
          default -> null;
        };
      }
      case "java/lang/Integer", "java/lang/Long", "java/lang/Boolean" -> {
        return name.equals("getInteger") || name.equals("getLong") || name.equals("getBoolean")
            ? ENVIRONMENT
            : null;
      }
      case "java/time/Clock", "java/time/InstantSource" -> {
        return CLOCK;
      }
      case "java/util/UUID" -> {
        return name.equals("randomUUID") ? RANDOM : null;
      }
      case "java/lang/Math", "java/lang/StrictMath" -> {
        return name.equals("random") ? RANDOM : null;
      }
      case "java/util/concurrent/ThreadLocalRandom" -> {
        return RANDOM;
      }
      case "java/util/random/RandomGenerator", "java/util/random/RandomGeneratorFactory" -> {
        return name.equals("getDefault") || name.equals("of") || name.equals("create")
            ? RANDOM
            : null;
      }
      case "java/lang/Thread" -> {
        return switch (name) {
          case "sleep" -> "Thread.sleep blocks the workflow thread: use Workflow.sleep";
          case "<init>", "start", "ofVirtual", "ofPlatform", "startVirtualThread" -> THREADS;
          default -> null;
        };
      }
      case "java/util/concurrent/CompletableFuture" -> {
        return name.endsWith("Async") || name.equals("delayedExecutor") ? THREADS : null;
      }
      case "java/lang/Runtime" -> {
        return name.equals("exec") ? IO : null;
      }
      case "java/lang/ProcessBuilder" -> {
        return IO;
      }
      case "java/nio/file/Files", "java/nio/file/Paths", "java/nio/file/FileSystems" -> {
        return IO;
      }
      case "java/nio/file/Path" -> {
        return name.equals("of") || name.equals("toFile") ? IO : null;
      }
      case "java/nio/channels/FileChannel", "java/io/RandomAccessFile" -> {
        return IO;
      }
      default -> {
        // by package or family below
      }
    }
    if (TIME_WITH_NOW.contains(owner) && name.equals("now")) {
      return CLOCK;
    }
    if (RANDOM_TYPES.contains(owner) && name.equals("<init>")) {
      return RANDOM;
    }
    if (THREAD_TYPES.contains(owner) && name.equals("<init>")) {
      return THREADS;
    }
    if (EXECUTOR_TYPES.contains(owner)) {
      return THREADS;
    }
    if (owner.startsWith("java/io/File")) {
      return IO;
    }
    if (owner.startsWith("java/net/")) {
      return NETWORK;
    }
    if ((name.equals("parallelStream") || name.equals("parallel"))
        && (owner.startsWith("java/util/"))) {
      return THREADS + " (a parallel stream runs on the common fork-join pool)";
    }
    return null;
  }
}
