package dev.runbook.worker.exec;

import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.nio.file.Path;

/**
 * What one environment file allows {@code exec} to do: its allowlist and the directory programs run
 * under ({@code exec.root}, relative to the environment file; default: the worker's working
 * directory).
 */
public record ExecPolicy(ExecAllowlist allow, Path root) {
  public static ExecPolicy of(EnvironmentSpec env) {
    var exec = env.source().tree().path("exec");
    Path root = Path.of("").toAbsolutePath();
    if (exec.path("root").isTextual()) {
      Path base = Path.of(env.file()).toAbsolutePath().getParent();
      root = base.resolve(exec.path("root").asText());
    }
    return new ExecPolicy(ExecAllowlist.of(env.source().tree()), root.normalize());
  }
}
