package dev.runbook.worker.flyway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the migration steps behave on this worker.
 *
 * @param migrationsRoot the folder every {@code locations} entry is relative to; nothing outside it
 *     is ever read
 * @param listLimit the most migrations (or validation errors) one output list holds; more set
 *     {@code truncated}
 * @param connectTimeout how long getting a connection may take before the step fails (TRANSIENT)
 */
public record FlywaySettings(Path migrationsRoot, int listLimit, Duration connectTimeout) {

  /** The environment variable naming the migrations root. */
  public static final String ROOT_VARIABLE = "RUNBOOK_MIGRATIONS";

  /** The root when {@value #ROOT_VARIABLE} is not set, relative to the working directory. */
  public static final Path DEFAULT_ROOT = Path.of("runbooks", "migrations");

  /** The root from {@code env} ({@value #ROOT_VARIABLE}), 100 entries per list, 10 s to connect. */
  public static FlywaySettings fromEnvironment(Map<String, String> env) {
    String root = env.get(ROOT_VARIABLE);
    return new FlywaySettings(
        root == null || root.isBlank() ? DEFAULT_ROOT : Path.of(root), 100, Duration.ofSeconds(10));
  }

  /** The settings of this process: {@link #fromEnvironment} over {@link System#getenv()}. */
  public static FlywaySettings defaults() {
    return fromEnvironment(System.getenv());
  }

  public FlywaySettings withMigrationsRoot(Path root) {
    return new FlywaySettings(root, listLimit, connectTimeout);
  }

  public FlywaySettings withListLimit(int limit) {
    return new FlywaySettings(migrationsRoot, limit, connectTimeout);
  }
}
