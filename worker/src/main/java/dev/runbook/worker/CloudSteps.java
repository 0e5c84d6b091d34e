package dev.runbook.worker;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.aws.AwsClients;
import dev.runbook.worker.aws.AwsEnvironment;
import dev.runbook.worker.aws.AwsRestoredCopies;
import dev.runbook.worker.aws.AwsSettings;
import dev.runbook.worker.aws.AwsSteps;
import dev.runbook.worker.aws.SecretsManagerCredentialSource;
import dev.runbook.worker.aws.SecretsManagerStrings;
import dev.runbook.worker.exec.ProcessExecActivities;
import dev.runbook.worker.flyway.FlywayMigrations;
import dev.runbook.worker.flyway.FlywaySettings;
import dev.runbook.worker.local.cloud.LocalCloud;
import dev.runbook.worker.local.cloud.PooledConnections;
import dev.runbook.worker.notify.SecretStrings;
import dev.runbook.worker.notify.SlackNotifyActivities;
import dev.runbook.worker.prisma.PrismaReverts;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import dev.runbook.worker.ssh.SshTunnelActivities;
import dev.runbook.worker.ssh.TunnelPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The step implementations of each environment: {@code notify} (Slack or the log), the SQL steps
 * ({@code via: jump-box} databases through the worker's tunnel pool), {@code ssh.tunnel} and {@code
 * exec} everywhere, and the cloud steps ({@code aws.*}) of the environment's {@code provider}:
 * {@code local} gets {@link LocalCloud} (snapshots and restores as PostgreSQL copies, EC2
 * simulated), {@code aws} the AWS SDK implementations over one client set per environment, whose
 * Secrets Manager also serves the SQL steps' credentials and the webhook URL.
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
    AwsSettings aws = AwsSettings.defaults();
    Map<String, AwsClients> clients = new LinkedHashMap<>();
    Map<String, CredentialSource> awsSecrets = new LinkedHashMap<>();
    for (EnvironmentSpec env : specs) {
      if ("aws".equals(env.provider())) {
        AwsClients set = AwsClients.of(AwsEnvironment.from(env), aws);
        clients.put(env.name(), set);
        awsSecrets.put(env.name(), SecretsManagerCredentialSource.of(set, aws));
      }
    }
    return of(
        out,
        specs,
        SqlTargets.fromEnvironments(specs, overrides, localSecrets, awsSecrets),
        SqlSettings.defaults(),
        clients,
        aws);
  }

  /** As below, without AWS environments. */
  public static Map<String, List<Object>> of(
      Consumer<String> out,
      List<EnvironmentSpec> environments,
      SqlTargets sql,
      SqlSettings settings) {
    return of(out, environments, sql, settings, Map.of(), AwsSettings.defaults());
  }

  /** As below, without AWS environments, the Flyway steps with {@code flyway}. */
  public static Map<String, List<Object>> of(
      Consumer<String> out,
      List<EnvironmentSpec> environments,
      SqlTargets sql,
      SqlSettings settings,
      FlywaySettings flyway) {
    return of(out, environments, sql, settings, Map.of(), AwsSettings.defaults(), flyway);
  }

  /**
   * Environment name -> its step implementations. The SQL steps (one {@link JdbcSqlActivities} for
   * all, closed by the worker) reach the restored copies of each {@code local} environment.
   *
   * @param aws environment name -> its AWS clients (the {@code provider: aws} environments)
   */
  public static Map<String, List<Object>> of(
      Consumer<String> out,
      List<EnvironmentSpec> environments,
      SqlTargets sql,
      SqlSettings settings,
      Map<String, AwsClients> aws,
      AwsSettings awsSettings) {
    return of(out, environments, sql, settings, aws, awsSettings, FlywaySettings.defaults());
  }

  private static Map<String, List<Object>> of(
      Consumer<String> out,
      List<EnvironmentSpec> environments,
      SqlTargets sql,
      SqlSettings settings,
      Map<String, AwsClients> aws,
      AwsSettings awsSettings,
      FlywaySettings flywaySettings) {
    TunnelPool tunnels =
        new TunnelPool(
            TunnelPool.jumpHosts(environments),
            (env, secretId) -> sql.credentials(env).fetch(secretId).password(),
            TunnelPool.Settings.defaults());
    Map<String, LocalCloud> local = new LinkedHashMap<>();
    SqlTargets reachable = sql.withRoute(tunnels);
    for (EnvironmentSpec env : environments) {
      if ("local".equals(env.provider())) {
        LocalCloud cloud = new LocalCloud(env, sql);
        local.put(env.name(), cloud);
        reachable = reachable.withRestoredCopies(env.name(), cloud);
      } else if (aws.containsKey(env.name())) {
        reachable =
            reachable.withRestoredCopies(
                env.name(), new AwsRestoredCopies(env, aws.get(env.name()), tunnels));
      }
    }
    JdbcSqlActivities jdbc = new JdbcSqlActivities(reachable, settings);
    FlywayMigrations flyway = new FlywayMigrations(reachable, flywaySettings);
    PrismaReverts prisma = new PrismaReverts(reachable, settings.connectTimeout());
    // A local copy needs the source free of the worker's sessions: every pooled step family's.
    PooledConnections pooled =
        (target, dropPool) -> {
          jdbc.releaseConnections(target, dropPool);
          flyway.releaseConnections(target, dropPool);
          prisma.releaseConnections(target, dropPool);
        };
    Map<String, SecretStrings> webhookSecrets = new LinkedHashMap<>();
    aws.forEach(
        (env, clients) -> webhookSecrets.put(env, new SecretsManagerStrings(clients.secrets())));
    List<Object> everywhere =
        List.of(
            SlackNotifyActivities.forEnvironments(environments, webhookSecrets, out),
            jdbc,
            new SshTunnelActivities(tunnels, SshTunnelActivities.databases(environments)),
            ProcessExecActivities.forEnvironments(environments, reachable),
            flyway,
            prisma);
    Map<String, List<Object>> steps = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      List<Object> list = new ArrayList<>(everywhere);
      list.addAll(
          forEnvironment(env, local.get(env.name()), pooled, aws.get(env.name()), awsSettings));
      steps.put(env.name(), List.copyOf(list));
    }
    return steps;
  }

  /**
   * The cloud steps ({@code aws.ec2.*}, {@code aws.rds.*}, {@code aws.secrets.get}) of one
   * environment, by its {@code provider}.
   *
   * @param local the local provider of the environment (null unless {@code provider: local})
   * @param pooled lets go of the worker's connections to a database the local provider copies
   * @param aws the AWS clients of the environment (null unless {@code provider: aws})
   */
  public static List<Object> forEnvironment(
      EnvironmentSpec env,
      LocalCloud local,
      PooledConnections pooled,
      AwsClients aws,
      AwsSettings awsSettings) {
    return switch (env.provider() == null ? "" : env.provider()) {
      case "local" -> local.activities(pooled);
      case "aws" -> aws == null ? List.of() : AwsSteps.forEnvironment(aws, awsSettings);
      default -> List.of();
    };
  }
}
