package dev.runbook.worker.aws;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How the AWS steps of a worker behave, the same for every environment.
 *
 * @param pollInterval pause between two looks while waiting (instance running, snapshot or restore
 *     available); each look heartbeats the activity
 * @param maxWait longest wait for one resource before the step fails TRANSIENT (the step's own
 *     timeout usually ends it first)
 * @param checkIpUrl where {@code aws.ec2.allow-ingress} asks for the worker's public address when
 *     no {@code cidr} is given; answers the address as plain text
 * @param checkIpTimeout connect and read timeout of that request
 * @param lease how long a lease tag of {@code aws.ec2.start} holds when its run does not stop the
 *     instance (a crashed worker, a run without a stop step)
 * @param sdkMaxAttempts attempts of one AWS call inside the SDK (throttling, 5xx, network), before
 *     the step fails TRANSIENT and Temporal retries it with its own backoff
 * @param sdkBaseDelay first SDK retry delay (doubling, with jitter)
 * @param throttlingBaseDelay first SDK retry delay after a throttling error
 * @param secretCacheTtl how long a secret value read for a connection stays in worker memory
 * @param baseCredentials credentials instead of the environment's profile or the default chain
 *     (tests); the environment's {@code roleArn} is still assumed with them. Null: from the
 *     environment.
 */
public record AwsSettings(
    Duration pollInterval,
    Duration maxWait,
    URI checkIpUrl,
    Duration checkIpTimeout,
    Duration lease,
    int sdkMaxAttempts,
    Duration sdkBaseDelay,
    Duration throttlingBaseDelay,
    Duration secretCacheTtl,
    AwsCredentialsProvider baseCredentials,
    Clock clock) {

  public static final URI CHECK_IP = URI.create("https://checkip.amazonaws.com");

  /** Production defaults: look every 15 s, wait up to 6 h, leases of 12 h, 60 s secret cache. */
  public static AwsSettings defaults() {
    return new AwsSettings(
        Duration.ofSeconds(15),
        Duration.ofHours(6),
        CHECK_IP,
        Duration.ofSeconds(5),
        Duration.ofHours(12),
        5,
        Duration.ofMillis(100),
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        null,
        Clock.systemUTC());
  }

  public AwsSettings withPolling(Duration interval, Duration max) {
    return new AwsSettings(
        interval,
        max,
        checkIpUrl,
        checkIpTimeout,
        lease,
        sdkMaxAttempts,
        sdkBaseDelay,
        throttlingBaseDelay,
        secretCacheTtl,
        baseCredentials,
        clock);
  }

  public AwsSettings withCheckIp(URI url, Duration timeout) {
    return new AwsSettings(
        pollInterval,
        maxWait,
        url,
        timeout,
        lease,
        sdkMaxAttempts,
        sdkBaseDelay,
        throttlingBaseDelay,
        secretCacheTtl,
        baseCredentials,
        clock);
  }

  public AwsSettings withSdkRetries(int attempts, Duration base, Duration throttlingBase) {
    return new AwsSettings(
        pollInterval,
        maxWait,
        checkIpUrl,
        checkIpTimeout,
        lease,
        attempts,
        base,
        throttlingBase,
        secretCacheTtl,
        baseCredentials,
        clock);
  }

  public AwsSettings withCredentials(AwsCredentialsProvider credentials) {
    return new AwsSettings(
        pollInterval,
        maxWait,
        checkIpUrl,
        checkIpTimeout,
        lease,
        sdkMaxAttempts,
        sdkBaseDelay,
        throttlingBaseDelay,
        secretCacheTtl,
        credentials,
        clock);
  }

  public AwsSettings withClock(Clock clock, Duration lease, Duration secretCacheTtl) {
    return new AwsSettings(
        pollInterval,
        maxWait,
        checkIpUrl,
        checkIpTimeout,
        lease,
        sdkMaxAttempts,
        sdkBaseDelay,
        throttlingBaseDelay,
        secretCacheTtl,
        baseCredentials,
        clock);
  }
}
