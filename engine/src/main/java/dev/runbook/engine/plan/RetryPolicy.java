package dev.runbook.engine.plan;

import java.time.Duration;

/** Activity retries: attempts (1 = no retry), first interval, growth factor and cap. */
public record RetryPolicy(
    int maxAttempts, Duration initialInterval, double backoff, Duration maxInterval) {
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1));
}
