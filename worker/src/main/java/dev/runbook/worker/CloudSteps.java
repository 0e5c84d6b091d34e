package dev.runbook.worker;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.local.cloud.LocalCloud;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The step implementations of each environment: {@code notify} and the SQL steps everywhere, and
 * the cloud steps ({@code aws.*}) of the environment's {@code provider}: {@code local} gets {@link
 * LocalCloud} (snapshots and restores as PostgreSQL copies, EC2 simulated); {@code aws} gets what
 * {@link #forEnvironment} plugs in for it.
 */
public final class CloudSteps {
  private CloudSteps() {}

  /**
   * Every environment of {@code dir} -> its step implementations, with the databases of the
   * environment files ({@code overrides} and {@code localSecrets} as in {@link
   * SqlTargets#fromDirectory}). Throws {@link IllegalArgumentException} with a one-line reason.
   */
  public static Map<String, List<Object>> fromDirectory(
      Consumer<String> out,
      Path dir,
      Map<String, SqlTargets.Endpoint> overrides,
      CredentialSource localSecrets) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(dir, problems);
    if (!problems.isEmpty()) {
      problems.sort(Diagnostic.ORDER);
      throw new IllegalArgumentException(
          problems.get(0).format() + "; `runbook validate " + dir + "` lists every problem");
    }
    List<EnvironmentSpec> specs = envs.values().stream().map(ValidatedEnvironment::spec).toList();
    return of(
        out,
        specs,
        SqlTargets.fromEnvironments(specs, overrides, localSecrets),
        SqlSettings.defaults());
  }

  /**
   * Environment name -> its step implementations. The SQL steps (one {@link JdbcSqlActivities} for
   * all, closed by the worker) reach the restored copies of each {@code local} environment.
   */
  public static Map<String, List<Object>> of(
      Consumer<String> out,
      List<EnvironmentSpec> environments,
      SqlTargets sql,
      SqlSettings settings) {
    Map<String, LocalCloud> local = new LinkedHashMap<>();
    SqlTargets withCopies = sql;
    for (EnvironmentSpec env : environments) {
      if ("local".equals(env.provider())) {
        LocalCloud cloud = new LocalCloud(env, sql);
        local.put(env.name(), cloud);
        withCopies = withCopies.withRestoredCopies(env.name(), cloud);
      }
    }
    JdbcSqlActivities jdbc = new JdbcSqlActivities(withCopies, settings);
    LogNotifyActivities notify = new LogNotifyActivities(out);
    Map<String, List<Object>> steps = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      List<Object> list = new ArrayList<>(List.of(notify, jdbc));
      list.addAll(forEnvironment(env, local.get(env.name()), jdbc));
      steps.put(env.name(), List.copyOf(list));
    }
    return steps;
  }

  /**
   * The cloud steps ({@code aws.ec2.*}, {@code aws.rds.*}, {@code aws.secrets.get}) of one
   * environment, by its {@code provider}.
   *
   * @param local the local provider of the environment (null unless {@code provider: local})
   */
  public static List<Object> forEnvironment(
      EnvironmentSpec env, LocalCloud local, JdbcSqlActivities sql) {
    return switch (env.provider() == null ? "" : env.provider()) {
      case "local" -> local.activities(sql::releaseConnections);
      // provider aws: plug the AWS factory of dev.runbook.worker.aws in here (its Ec2, Rds and
      // Secrets activities for env), and SqlTargets#withRestoredCopies for its restored instances.
      default -> List.of();
    };
  }
}
