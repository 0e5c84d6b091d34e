package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The databases of the environment files, as {@link SqlTarget}s: engine, endpoint, port, database,
 * secret id and sensitive columns. A database {@code via: jump-box} is reached on 127.0.0.1 at its
 * {@code localPort} (the SSH tunnel's end). The {@code local} secrets provider reads {@code
 * secrets.file} when the environment names one, else the embedded PostgreSQL's secrets file. {@link
 * Endpoint}s replace where a database is reached: {@code runbook dev} points the {@code local}
 * databases at its embedded PostgreSQL's port. With a {@link Route} (the worker's SSH tunnel pool),
 * a {@code via: jump-box} database is reached through a tunnel to its endpoint and port instead,
 * opened or borrowed each time {@link #get} is asked for it.
 */
public final class SqlTargets {
  /** Where a database is reached instead of what its environment file says. */
  public record Endpoint(String host, int port) {}

  /** Reaches a {@code via: jump-box} database: the local end of a tunnel to {@code remote}. */
  @FunctionalInterface
  public interface Route {
    /** Opens or borrows the tunnel; failures are typed {@code ApplicationFailure}s. */
    Endpoint open(String environment, String database, Endpoint remote);
  }

  private final Map<String, SqlTarget> targets;
  private final Map<String, RestoredCopies> copies;
  private final Map<String, Endpoint> viaJumpBox;
  private final Map<String, CredentialSource> credentials;
  private final Route route;
  private final Map<String, TunnelAccess> access;

  private SqlTargets(
      Map<String, SqlTarget> targets,
      Map<String, RestoredCopies> copies,
      Map<String, Endpoint> viaJumpBox,
      Map<String, CredentialSource> credentials,
      Route route,
      Map<String, TunnelAccess> access) {
    this.targets = targets;
    this.copies = copies;
    this.viaJumpBox = viaJumpBox;
    this.credentials = credentials;
    this.route = route;
    this.access = access;
  }

  /**
   * Temporary access to one database through the jump box ({@code runbook tunnel}), as its
   * environment file declares it.
   *
   * @param accessSecretId the secret engineers' clients log in with (default: the engine's)
   * @param own true when the database names an {@code accessSecretId} of its own
   * @param terminateSessions the environment's {@code access.terminateSessions}
   * @param sources {@code access.tunnelSources}: where the database sees tunnel connections from
   */
  public record TunnelAccess(
      String accessSecretId, boolean own, boolean terminateSessions, List<String> sources) {
    public TunnelAccess {
      sources = List.copyOf(sources);
    }
  }

  /** The temporary access settings of {@code environment}'s database {@code name}. */
  public TunnelAccess access(String environment, String name) {
    TunnelAccess found = access.get(environment + "/" + name);
    if (found == null) {
      get(environment, name); // the CONFIGURATION failure naming the databases there
    }
    return found;
  }

  /** The same targets, with {@code via: jump-box} databases reached through {@code route}. */
  public SqlTargets withRoute(Route tunnels) {
    return new SqlTargets(targets, copies, viaJumpBox, credentials, tunnels, access);
  }

  /** The secrets provider of {@code environment} (e.g. for an SSH key's passphrase). */
  public CredentialSource credentials(String environment) {
    return credentials.getOrDefault(environment, unavailable(environment, "(none)"));
  }

  /**
   * These targets, with the restored copies of {@code environment}'s databases found by {@code
   * resolver} (the {@code instance} input of the SQL steps).
   */
  public SqlTargets withRestoredCopies(String environment, RestoredCopies resolver) {
    Map<String, RestoredCopies> more = new LinkedHashMap<>(copies);
    more.put(environment, resolver);
    return new SqlTargets(targets, Map.copyOf(more), viaJumpBox, credentials, route, access);
  }

  /**
   * The target of a SQL step: its {@code database}, or with {@code instance} (the {@code
   * instanceId} of an earlier {@code aws.rds.restore-pitr}) the restored copy of that database,
   * with the same engine, secret and masking. A CONFIGURATION or NOT_OWNED failure otherwise.
   */
  public SqlTarget forStep(String environment, String runId, JsonNode with) {
    JsonNode database = with.path("database");
    if (!database.isTextual() || database.asText().isBlank()) {
      throw FailureType.INVALID_PLAN.failure("database: expected text, got " + database);
    }
    SqlTarget live = get(environment, database.asText());
    JsonNode instance = with.path("instance");
    if (instance.isMissingNode() || instance.isNull()) {
      return live;
    }
    if (!instance.isTextual() || instance.asText().isBlank()) {
      throw FailureType.INVALID_PLAN.failure("instance: expected text, got " + instance);
    }
    RestoredCopies resolver = copies.get(environment);
    if (resolver == null) {
      throw FailureType.CONFIGURATION.failure(
          "instance "
              + instance.asText()
              + ": this worker cannot reach restored copies in "
              + environment
              + " (its cloud provider has no implementation here)");
    }
    return resolver.copyOf(live, instance.asText(), runId);
  }

  /**
   * The databases of the given environments.
   *
   * @param overrides {@code environment/database} -> where to reach it instead
   * @param credentials environment name -> its secrets provider; an environment without one gets a
   *     source that fails with a CONFIGURATION message naming the provider
   */
  public static SqlTargets of(
      List<EnvironmentSpec> environments,
      Map<String, Endpoint> overrides,
      Map<String, CredentialSource> credentials) {
    Map<String, SqlTarget> targets = new LinkedHashMap<>();
    Map<String, Endpoint> viaJumpBox = new LinkedHashMap<>();
    Map<String, CredentialSource> sources = new LinkedHashMap<>();
    Map<String, TunnelAccess> access = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      JsonNode policy = env.source().tree().path("access");
      List<String> tunnelSources = new ArrayList<>();
      policy.path("tunnelSources").forEach(c -> tunnelSources.add(c.asText()));
      CredentialSource source =
          credentials.getOrDefault(env.name(), unavailable(env.name(), provider(env)));
      sources.put(env.name(), source);
      env.databases()
          .forEach(
              (name, db) -> {
                String via = text(db, "via").orElse("direct");
                String host =
                    via.equals("jump-box") ? "127.0.0.1" : text(db, "endpoint").orElse("");
                int port =
                    via.equals("jump-box")
                        ? db.path("localPort").asInt()
                        : db.path("port").asInt(defaultPort(text(db, "engine").orElse("")));
                Endpoint override = overrides.get(env.name() + "/" + name);
                if (override != null) {
                  host = override.host();
                  port = override.port();
                } else if (via.equals("jump-box")) {
                  viaJumpBox.put(
                      env.name() + "/" + name,
                      new Endpoint(
                          text(db, "endpoint").orElse(""),
                          db.path("port").asInt(defaultPort(text(db, "engine").orElse("")))));
                }
                List<String> sensitive = new ArrayList<>();
                db.path("sensitiveColumns").forEach(c -> sensitive.add(c.asText()));
                String secretId = text(db, "secretId").orElse(env.name() + "/" + name);
                access.put(
                    env.name() + "/" + name,
                    new TunnelAccess(
                        text(db, "accessSecretId").orElse(secretId),
                        text(db, "accessSecretId").isPresent(),
                        policy.path("terminateSessions").asBoolean(false),
                        tunnelSources));
                targets.put(
                    env.name() + "/" + name,
                    new SqlTarget(
                        env.name(),
                        name,
                        SqlTarget.Engine.of(text(db, "engine").orElse("")),
                        host,
                        port,
                        text(db, "database").orElse(name),
                        text(db, "secretId").orElse(env.name() + "/" + name),
                        sensitive,
                        text(db, "engineSchema").orElse(null),
                        source));
              });
    }
    return new SqlTargets(targets, Map.of(), viaJumpBox, sources, null, Map.copyOf(access));
  }

  /**
   * The databases of every environment file in {@code dir}; {@code local} secrets read from {@code
   * localSecrets} (the embedded PostgreSQL's secrets file), other providers unavailable.
   */
  public static SqlTargets fromDirectory(
      Path dir, Map<String, Endpoint> overrides, CredentialSource localSecrets) {
    return fromDirectory(dir, overrides, localSecrets, Map.of());
  }

  /**
   * As above, and {@code aws-secrets-manager} environments read from {@code awsSecrets}
   * (environment name -> e.g. {@code dev.runbook.worker.aws.SecretsManagerCredentialSource} over
   * that environment's AWS clients).
   */
  public static SqlTargets fromDirectory(
      Path dir,
      Map<String, Endpoint> overrides,
      CredentialSource localSecrets,
      Map<String, CredentialSource> awsSecrets) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(dir, problems);
    if (!problems.isEmpty()) {
      problems.sort(Diagnostic.ORDER);
      throw new IllegalArgumentException(
          problems.get(0).format() + "; `runbook validate " + dir + "` lists every problem");
    }
    return fromEnvironments(
        envs.values().stream().map(ValidatedEnvironment::spec).toList(),
        overrides,
        localSecrets,
        awsSecrets);
  }

  /** As {@link #fromDirectory}, for environment files already read. */
  public static SqlTargets fromEnvironments(
      List<EnvironmentSpec> environments,
      Map<String, Endpoint> overrides,
      CredentialSource localSecrets) {
    return fromEnvironments(environments, overrides, localSecrets, Map.of());
  }

  /** As {@link #fromDirectory} with AWS secrets, for environment files already read. */
  public static SqlTargets fromEnvironments(
      List<EnvironmentSpec> environments,
      Map<String, Endpoint> overrides,
      CredentialSource localSecrets,
      Map<String, CredentialSource> awsSecrets) {
    Map<String, CredentialSource> credentials = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      if (provider(env).equals("local")) {
        JsonNode file = env.source().tree().path("secrets").path("file");
        if (file.isTextual()) {
          // secrets.file: relative to the environment file
          Path base = Path.of(env.file()).toAbsolutePath().getParent();
          credentials.put(env.name(), new LocalCredentialSource(base.resolve(file.asText())));
        } else if (localSecrets != null) {
          credentials.put(env.name(), localSecrets);
        }
      } else if (awsSecrets.containsKey(env.name())) {
        credentials.put(env.name(), awsSecrets.get(env.name()));
      }
    }
    return of(environments, overrides, credentials);
  }

  /** The database {@code name} of {@code environment}, or a CONFIGURATION failure. */
  public SqlTarget get(String environment, String name) {
    SqlTarget target = targets.get(environment + "/" + name);
    if (target == null) {
      List<String> known = new ArrayList<>();
      targets.values().stream()
          .filter(t -> t.environment().equals(environment))
          .forEach(t -> known.add(t.name()));
      throw FailureType.CONFIGURATION.failure(
          "no database "
              + name
              + " in environment "
              + environment
              + (known.isEmpty() ? "" : " (there: " + String.join(", ", known) + ")"));
    }
    Endpoint remote = viaJumpBox.get(environment + "/" + name);
    if (route != null && remote != null) {
      Endpoint local = route.open(environment, name, remote);
      return new SqlTarget(
          target.environment(),
          target.name(),
          target.engine(),
          local.host(),
          local.port(),
          target.database(),
          target.secretId(),
          target.sensitiveColumns(),
          target.engineSchema(),
          target.credentials());
    }
    return target;
  }

  /** Every target, {@code environment/name} -> target. */
  public Map<String, SqlTarget> all() {
    return Map.copyOf(targets);
  }

  private static String provider(EnvironmentSpec env) {
    JsonNode secrets = env.source().tree().path("secrets");
    return text(secrets, "provider")
        .orElse("local".equals(env.provider()) ? "local" : "aws-secrets-manager");
  }

  private static CredentialSource unavailable(String environment, String provider) {
    return secretId -> {
      throw new CredentialSource.CredentialException(
          "the secrets provider "
              + provider
              + " of "
              + environment
              + " is not available on this worker (secret "
              + secretId
              + ")"
              + (provider.equals("aws-secrets-manager")
                  ? ": the worker was started without AWS access for " + environment
                  : ""));
    };
  }

  private static int defaultPort(String engine) {
    return engine.equals("postgresql") ? 5432 : 3306;
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }
}
