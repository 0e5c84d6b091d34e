package dev.runbook.worker;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The task queue of each environment file of a directory. */
public final class TaskQueues {
  /** Where environment files live when no directory is given. */
  public static final Path DEFAULT_DIR = Path.of("runbooks", "environments");

  private TaskQueues() {}

  /** Environment name -> task queue, sorted by name; throws with a one-line reason. */
  public static Map<String, String> of(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--environments " + dir + ": no such directory");
    }
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(dir, problems);
    if (!problems.isEmpty()) {
      problems.sort(Diagnostic.ORDER);
      throw new IllegalArgumentException(
          problems.get(0).format()
              + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "")
              + "; `runbook validate "
              + dir
              + "` lists every problem");
    }
    Map<String, String> queues = new TreeMap<>();
    envs.forEach((name, env) -> queues.put(name, env.spec().taskQueue()));
    return queues;
  }

  /** The task queue of one environment; throws with a one-line reason. */
  public static String of(Path dir, String environment) {
    Map<String, String> queues = of(dir);
    String queue = queues.get(environment);
    if (queue == null) {
      throw new IllegalArgumentException(
          "--env "
              + environment
              + ": no such environment in "
              + dir
              + " (there: "
              + String.join(", ", queues.keySet())
              + ")");
    }
    return queue;
  }
}
