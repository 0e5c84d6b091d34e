package dev.runbook.bench;

import java.util.Arrays;

/**
 * Runs one benchmark's {@code main} in a JVM of its own for {@code bench/run}, then ends the JVM:
 * the Temporal, HikariCP and JSch threads a benchmark leaves behind must not keep it alive (under
 * {@code exec:java} Maven's own exit ends them). Exit code 1 when the benchmark throws.
 */
public final class RunOne {
  private RunOne() {}

  public static void main(String[] args) {
    if (args.length < 1) {
      System.err.println("usage: RunOne <benchmark class> [args...]");
      System.exit(2);
    }
    int status = 0;
    try {
      Class.forName(args[0])
          .getMethod("main", String[].class)
          .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      cause.printStackTrace();
      status = 1;
    }
    System.out.flush();
    System.exit(status);
  }
}
