package dev.runbook.engine.compile;

import static dev.runbook.engine.compile.Corpus.assertEnvironment;
import static dev.runbook.engine.compile.Corpus.at;

import org.junit.jupiter.api.Test;

/** Broken environment files ({@code runbooks/environments/<name>.yaml}). */
class EnvironmentFileCorpusTest {

  @Test
  void acceptsTheSmallEnvironmentTheOtherCasesBreak() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: aws
        taskQueue: runbook-stage
        aws: { region: eu-west-1, profile: dbops-stage }
        jumpBox:
          instanceId: i-0a1b2c3d4e5f60718
          securityGroupId: sg-0123456789abcdef0
          host: jump.stage.example.internal
          sshUser: ec2-user
          hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOT2TJMefUVvGxdudiVYriomaEz0kj
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
          platform:
            engine: postgresql
            endpoint: platform.stage.internal
            port: 5432
            database: platform
            secretId: stage/platform
            via: jump-box
            localPort: 15432
        """);
  }

  @Test
  void rejectsAMisspeltKeyWithASuggestion() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQeue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at("apiVersion", "stage.yaml:1:1: schema: $: missing required key 'taskQueue'"),
        at(
            "taskQeue",
            "stage.yaml:5:1: schema: $.taskQeue: unknown key 'taskQeue' (did you mean"
                + " 'taskQueue'?)"));
  }

  @Test
  void rejectsAnUnknownNoticeEvent() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        notifications: { events: [approval-needed, paged] }
        """,
        at(
            "paged",
            "stage.yaml:8:44: schema: $.notifications.events[1]: 'paged' is not one of:"
                + " approval-needed, completed, failed, compensation-incomplete"));
  }

  @Test
  void rejectsABadJumpBoxInstanceAndSecurityGroupId() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: aws
        taskQueue: runbook-stage
        aws: { region: eu-west-1, profile: dbops-stage }
        jumpBox:
          instanceId: i-XYZ
          securityGroupId: sg-12
          host: jump.stage.example.internal
          sshUser: ec2-user
          knownHostsFile: ~/.ssh/known_hosts
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at(
            "i-XYZ",
            "stage.yaml:8:15: schema: $.jumpBox.instanceId: expected text matching"
                + " ^i-[0-9a-f]{8,17}$, got 'i-XYZ'"),
        at(
            "sg-12",
            "stage.yaml:9:20: schema: $.jumpBox.securityGroupId: expected text matching"
                + " ^sg-[0-9a-f]{8,17}$, got 'sg-12'"));
  }

  @Test
  void rejectsADatabaseViaJumpBoxWithoutAJumpBox() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: aws
        taskQueue: runbook-stage
        aws: { region: eu-west-1, profile: dbops-stage }
        databases:
          platform:
            engine: postgresql
            endpoint: platform.stage.internal
            port: 5432
            database: platform
            secretId: stage/platform
            via: jump-box
            localPort: 15432
        """,
        at(
            "jump-box",
            "stage.yaml:14:10: semantic: $.databases.platform.via: database 'platform' is reached"
                + " via jump-box, but no jumpBox is defined"));
  }

  @Test
  void rejectsADatabaseViaJumpBoxWithoutALocalPort() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        jumpBox:
          instanceId: i-0a1b2c3d4e5f60718
          securityGroupId: sg-0123456789abcdef0
          host: jump.stage.example.internal
          sshUser: ec2-user
          knownHostsFile: ~/.ssh/known_hosts
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
          platform:
            engine: postgresql
            endpoint: platform.stage.internal
            port: 5432
            database: platform
            secretId: stage/platform
            via: jump-box
        """,
        at(
            "platform",
            "stage.yaml:14:3: schema: $.databases.platform: missing required key 'localPort'"));
  }

  @Test
  void rejectsAMetadataNameThatIsNotTheFileName() {
    assertEnvironment(
        "prod",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at(
            "stage",
            "prod.yaml:3:19: semantic: $.metadata.name: environment 'stage' must be in a file named"
                + " stage.yaml, not prod.yaml"));
  }

  @Test
  void rejectsAnUnknownEngineWithASuggestion() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform:
            engine: postgres
            endpoint: 127.0.0.1
            port: 5432
            database: platform
            secretId: local/platform
        """,
        at(
            "postgres",
            "stage.yaml:8:13: schema: $.databases.platform.engine: 'postgres' is not one of:"
                + " postgresql, mysql, mariadb (did you mean 'postgresql'?)"));
  }

  @Test
  void rejectsPortsOutOfRange() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: 70000
            database: platform
            secretId: local/platform
            localPort: 80
        """,
        at(
            "70000",
            "stage.yaml:10:11: schema: $.databases.platform.port: must be at most 65535, got"
                + " 70000"),
        at(
            "80",
            "stage.yaml:13:16: schema: $.databases.platform.localPort: must be at least 1024, got"
                + " 80"));
  }

  @Test
  void rejectsMissingRequiredKeys() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: aws
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: 5432
            database: platform
        """,
        at("apiVersion", "stage.yaml:1:1: schema: $: missing required key 'aws'"),
        at("apiVersion", "stage.yaml:1:1: schema: $: missing required key 'taskQueue'"),
        at(
            "platform",
            "stage.yaml:6:3: schema: $.databases.platform: missing required key 'secretId'"));
  }

  @Test
  void rejectsATeamWithoutMembers() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        teams:
          db-leads: []
        """,
        at("[]", "stage.yaml:9:13: schema: $.teams.db-leads: needs at least 1 item(s)"));
  }

  @Test
  void rejectsAnUnknownProviderAndKind() {
    assertEnvironment(
        "stage",
        """
        apiVersion: runbook/v1
        kind: Enviroment
        metadata: { name: stage }
        provider: gcp
        taskQueue: runbook-stage
        databases:
          platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: x }
        """,
        at("Enviroment", "stage.yaml:2:7: schema: $.kind: must be 'Environment', got 'Enviroment'"),
        at("gcp", "stage.yaml:4:11: schema: $.provider: 'gcp' is not one of: aws, local"));
  }

  @Test
  void terminatingTunnelSessionsAtLeaseEndNeedsTheAddressesTheyComeFrom() {
    String env =
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: local
        taskQueue: runbook-stage
        access: { terminateSessions: true%s }
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: 5432
            database: platform
            secretId: stage/platform
            accessSecretId: stage/platform-engineers
        """;
    assertEnvironment("stage", env.formatted(", tunnelSources: [10.0.1.15/32]"));
    assertEnvironment(
        "stage",
        env.formatted(""),
        at("access", "stage.yaml:6:1: schema: $.access: missing required key 'tunnelSources'"));
    assertEnvironment(
        "stage",
        env.formatted(", tunnelSources: [jump.internal]"),
        at(
            "jump.internal",
            "stage.yaml:6:52: schema: $.access.tunnelSources[0]: expected text matching"
                + " ^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$|^[0-9A-Fa-f:]+/[0-9]{1,3}$, got"
                + " 'jump.internal'"));
  }
}
