package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.worker.local.Credentials;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Targets from the repository's environment files, with `runbook dev`'s port override. */
class SqlTargetsTest {

  static Path environments() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("runbooks").resolve("environments");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no runbooks/environments");
  }

  @Test
  void targetsComeFromTheEnvironmentFilesAndTheOverrideMovesALocalDatabase() {
    CredentialSource local = secretId -> new Credentials("runbook", "pw");
    SqlTargets targets =
        SqlTargets.fromDirectory(
            environments(),
            Map.of("local/platform", new SqlTargets.Endpoint("127.0.0.1", 15999)),
            local);

    SqlTarget platform = targets.get("local", "platform");
    assertEquals(SqlTarget.Engine.POSTGRESQL, platform.engine());
    assertEquals("jdbc:postgresql://127.0.0.1:15999/platform", platform.jdbcUrl());
    assertEquals("local/platform", platform.secretId());
    assertEquals(List.of("users.email"), platform.sensitiveColumns());
    assertEquals(5432, targets.get("local", "invoicing").port(), "not overridden");

    SqlTarget prod = targets.get("prod", "invoicing");
    assertEquals(SqlTarget.Engine.MYSQL, prod.engine());
    assertEquals("jdbc:mariadb://127.0.0.1:13306/invoicing", prod.jdbcUrl(), "via the tunnel");
    assertEquals(List.of("customers.email", "customers.iban"), prod.sensitiveColumns());
    CredentialSource.CredentialException aws =
        assertThrows(
            CredentialSource.CredentialException.class,
            () -> prod.credentials().fetch(prod.secretId()));
    assertEquals(
        "the secrets provider aws-secrets-manager of prod is not available on this worker (secret"
            + " prod/invoicing/runbook): the worker was started without AWS access for prod",
        aws.getMessage());
  }

  @Test
  void aLocalEnvironmentMayNameItsOwnYamlSecretsFile() throws Exception {
    Path dir = Files.createTempDirectory("envs");
    Files.writeString(
        dir.resolve("mine.yaml"),
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: mine }
        provider: local
        taskQueue: runbook-mine
        databases:
          app: { engine: postgresql, endpoint: 127.0.0.1, port: 5433, database: app, secretId: mine/app }
        secrets: { provider: local, file: secrets/local.yaml }
        """);
    Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(
        dir.resolve("secrets/local.yaml"), "mine/app: { username: me, password: yaml-pw }\n");
    SqlTargets targets = SqlTargets.fromDirectory(dir, Map.of(), null);
    SqlTarget app = targets.get("mine", "app");
    assertEquals("yaml-pw", app.credentials().fetch("mine/app").password());
    Files.writeString(dir.resolve("secrets/local.yaml"), "mine/app: [broken: yaml-pw2\n");
    CredentialSource.CredentialException broken =
        assertThrows(
            CredentialSource.CredentialException.class, () -> app.credentials().fetch("mine/app"));
    assertTrue(!broken.getMessage().contains("yaml-pw2"), broken.getMessage());
  }

  @Test
  void anUnknownDatabaseIsAConfigurationFailureListingTheKnownOnes() {
    SqlTargets targets = SqlTargets.fromDirectory(environments(), Map.of(), null);
    ApplicationFailure f =
        assertThrows(ApplicationFailure.class, () -> targets.get("local", "billing"));
    assertEquals("CONFIGURATION", f.getType());
    assertEquals(
        "no database billing in environment local (there: platform, invoicing)",
        f.getOriginalMessage());
  }

  @Test
  void theLocalSecretsFileIsReadAtEachUseAndAMissingOneSaysHowToSetIt() throws Exception {
    LocalCredentialSource none = new LocalCredentialSource(() -> null);
    CredentialSource.CredentialException e =
        assertThrows(CredentialSource.CredentialException.class, () -> none.fetch("local/x"));
    assertTrue(e.getMessage().contains(LocalCredentialSource.VARIABLE), e.getMessage());
    Path dir = Files.createTempDirectory("secrets");
    Path file = dir.resolve("local-secrets.json");
    Files.writeString(file, "{\"local/x\": {\"username\": \"u\", \"password\": \"p1\"}}");
    LocalCredentialSource source = new LocalCredentialSource(file);
    assertEquals("p1", source.fetch("local/x").password());
    Files.writeString(file, "{\"local/x\": {\"username\": \"u\", \"password\": \"p2\"}}");
    assertEquals("p2", source.fetch("local/x").password(), "a restarted PostgreSQL's new password");
    Files.writeString(file, "{\"local/x\": {\"password\": \"secret-in-broken-json");
    CredentialSource.CredentialException broken =
        assertThrows(CredentialSource.CredentialException.class, () -> source.fetch("local/x"));
    assertTrue(!broken.getMessage().contains("secret-in-broken-json"), broken.getMessage());
  }
}
