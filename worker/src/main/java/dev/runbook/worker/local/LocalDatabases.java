package dev.runbook.worker.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The PostgreSQL databases an environment file gives (normally {@code local}): the port they share
 * and, for each, its {@code database:} name and {@code secretId}.
 *
 * @param port the port of the databases; 5432 when the environment names no PostgreSQL database
 * @param databases in file order
 */
public record LocalDatabases(int port, List<Database> databases) {
  /** The default PostgreSQL port. */
  public static final int DEFAULT_PORT = 5432;

  /**
   * One database of the environment.
   *
   * @param name its key under {@code databases:} (what runbooks name)
   * @param database the PostgreSQL database name ({@code database:}, else the key)
   * @param secretId where its credentials live ({@code secretId:}, else {@code <env>/<name>})
   */
  public record Database(String name, String database, String secretId) {}

  public LocalDatabases {
    databases = List.copyOf(databases);
  }

  /** The databases of {@code environment} in {@code dir}; throws with a one-line reason. */
  public static LocalDatabases of(Path dir, String environment) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(dir, problems);
    if (!problems.isEmpty()) {
      problems.sort(Diagnostic.ORDER);
      throw new IllegalArgumentException(
          problems.get(0).format() + "; `runbook validate " + dir + "` lists every problem");
    }
    ValidatedEnvironment env = envs.get(environment);
    if (env == null) {
      throw new IllegalArgumentException("no environment " + environment + " in " + dir);
    }
    return of(env.spec());
  }

  /** The PostgreSQL databases of an environment; throws when they use more than one port. */
  public static LocalDatabases of(EnvironmentSpec env) {
    List<Database> databases = new ArrayList<>();
    TreeSet<Integer> ports = new TreeSet<>();
    env.databases()
        .forEach(
            (name, db) -> {
              if (!"postgresql".equals(text(db, "engine"))) {
                return;
              }
              String database = text(db, "database");
              String secretId = text(db, "secretId");
              databases.add(
                  new Database(
                      name,
                      database == null ? name : database,
                      secretId == null ? env.name() + "/" + name : secretId));
              ports.add(db.path("port").asInt(DEFAULT_PORT));
            });
    if (ports.size() > 1) {
      throw new IllegalArgumentException(
          env.file()
              + ": the PostgreSQL databases of "
              + env.name()
              + " use ports "
              + ports
              + "; the embedded PostgreSQL listens on one");
    }
    return new LocalDatabases(ports.isEmpty() ? DEFAULT_PORT : ports.first(), databases);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? value.asText() : null;
  }
}
