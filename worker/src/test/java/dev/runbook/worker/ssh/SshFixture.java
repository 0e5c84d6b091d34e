package dev.runbook.worker.ssh;

import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlTargets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A jump host (MINA SSHD) in front of a real PostgreSQL ({@link LocalPostgres}) and the environment
 * {@code stage} that reaches the database {@code platform} {@code via: jump-box}.
 */
public final class SshFixture implements AutoCloseable {
  public final Path dir;
  public final LocalPostgres postgres;
  public final JumpHostServer jump;
  public final Path userKey;

  private SshFixture(Path dir, LocalPostgres postgres, JumpHostServer jump, Path userKey) {
    this.dir = dir;
    this.postgres = postgres;
    this.jump = jump;
    this.userKey = userKey;
  }

  public static SshFixture start() {
    try {
      Path dir = Files.createTempDirectory("runbook-ssh-");
      Path userKey = SshKeys.generate(dir, "id_ed25519", "ed25519", "", false);
      LocalPostgres postgres =
          LocalPostgres.start(
              new LocalPostgres.Options(
                  0,
                  List.of(new LocalDatabases.Database("platform", "sshtest", "local/platform")),
                  null));
      return new SshFixture(dir, postgres, JumpHostServer.start(dir, userKey), userKey);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code stage} environment file text with the given jumpBox lines (indented by 2). */
  public String environment(String jumpBoxLines) {
    return """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        jumpBox:
          instanceId: i-0123456789abcdef0
          securityGroupId: sg-0123456789abcdef0
          host: 127.0.0.1
          sshUser: tester
          sshPort: %d
        %s
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %d
            database: sshtest
            secretId: local/platform
            via: jump-box
            localPort: 15432
        teams:
          db-leads: [alice, bob]
        secrets: { provider: local }
        """
        .formatted(jump.port(), jumpBoxLines.indent(2).stripTrailing(), postgres.port());
  }

  /** The default jump box lines: the real host key pinned, the authorized user key. */
  public String pinned() {
    return "hostKey: " + jump.hostKeyLine() + "\nprivateKeyFile: " + userKey;
  }

  public EnvironmentSpec spec(String text) {
    return Fixtures.environment("stage", text).spec();
  }

  public CredentialSource credentials() {
    return new LocalCredentialSource(postgres.secretsFile());
  }

  public TunnelPool pool(EnvironmentSpec env, TunnelPool.Settings settings) {
    return new TunnelPool(
        TunnelPool.jumpHosts(List.of(env)),
        (environment, secretId) -> credentials().fetch(secretId).password(),
        settings);
  }

  public SqlTargets targets(EnvironmentSpec env, TunnelPool pool) {
    return SqlTargets.of(List.of(env), Map.of(), Map.of("stage", credentials())).withRoute(pool);
  }

  @Override
  public void close() {
    jump.close();
    postgres.close();
  }
}
