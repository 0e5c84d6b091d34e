package dev.runbook.worker.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * The AWS clients of one environment, built once and shared by its steps: region, credentials (a
 * named profile, else the SDK's default chain; then the environment's {@code roleArn} assumed
 * through STS and refreshed before it expires), an optional endpoint override, and the SDK's
 * standard retries (throttling and 5xx, with backoff). Closing it closes every client.
 */
public final class AwsClients implements AutoCloseable {
  private final AwsEnvironment environment;
  private final Ec2Client ec2;
  private final RdsClient rds;
  private final SecretsManagerClient secrets;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private AwsClients(AwsEnvironment environment, AwsSettings settings) {
    this.environment = environment;
    if (environment.region() == null) {
      throw new IllegalArgumentException(
          "environment " + environment.name() + " has no aws.region");
    }
    AwsCredentialsProvider credentials = credentials(environment, settings);
    ClientOverrideConfiguration overrides = overrides(settings);
    this.ec2 = configure(Ec2Client.builder(), credentials, overrides).build();
    this.rds = configure(RdsClient.builder(), credentials, overrides).build();
    this.secrets = configure(SecretsManagerClient.builder(), credentials, overrides).build();
    closeables.addAll(List.of(ec2, rds, secrets));
  }

  /** The clients of {@code environment}. */
  public static AwsClients of(AwsEnvironment environment, AwsSettings settings) {
    return new AwsClients(environment, settings);
  }

  public AwsEnvironment environment() {
    return environment;
  }

  public Ec2Client ec2() {
    return ec2;
  }

  public RdsClient rds() {
    return rds;
  }

  public SecretsManagerClient secrets() {
    return secrets;
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(
      B builder, AwsCredentialsProvider credentials, ClientOverrideConfiguration overrides) {
    builder
        .region(Region.of(environment.region()))
        .credentialsProvider(credentials)
        .overrideConfiguration(overrides);
    if (environment.endpoint() != null) {
      builder.endpointOverride(URI.create(environment.endpoint()));
    }
    return builder;
  }

  private AwsCredentialsProvider credentials(AwsEnvironment env, AwsSettings settings) {
    AwsCredentialsProvider base =
        settings.baseCredentials() != null
            ? settings.baseCredentials()
            : env.profile() != null
                ? ProfileCredentialsProvider.builder().profileName(env.profile()).build()
                : DefaultCredentialsProvider.builder().build();
    if (env.roleArn() == null) {
      return base;
    }
    StsClient sts = configure(StsClient.builder(), base, overrides(settings)).build();
    StsAssumeRoleCredentialsProvider assumed =
        StsAssumeRoleCredentialsProvider.builder()
            .stsClient(sts)
            .refreshRequest(
                AssumeRoleRequest.builder()
                    .roleArn(env.roleArn())
                    .roleSessionName(sessionName(env.name()))
                    .build())
            .build();
    closeables.add(assumed);
    closeables.add(sts);
    return assumed;
  }

  /** The STS session name, shown in CloudTrail beside every call: {@code runbook-<env>}. */
  static String sessionName(String environment) {
    String name = ("runbook-" + environment).replaceAll("[^\\w+=,.@-]", "-");
    return name.length() > 64 ? name.substring(0, 64) : name;
  }

  private static ClientOverrideConfiguration overrides(AwsSettings settings) {
    Duration max = Duration.ofSeconds(20);
    return ClientOverrideConfiguration.builder()
        .retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(settings.sdkMaxAttempts())
                .backoffStrategy(BackoffStrategy.exponentialDelay(settings.sdkBaseDelay(), max))
                .throttlingBackoffStrategy(
                    BackoffStrategy.exponentialDelay(settings.throttlingBaseDelay(), max))
                .build())
        .apiCallAttemptTimeout(Duration.ofSeconds(30))
        .build();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}
