package dev.runbook.worker.aws;

import dev.runbook.engine.spec.EnvironmentSpec;
import java.util.List;

/**
 * The AWS step implementations of ONE environment ({@code aws.ec2.*}, {@code aws.secrets.get},
 * {@code aws.rds.*}), sharing one {@link AwsClients}. Register them on that environment's task
 * queue only; closing any of them closes the clients (the worker closes them all when it stops).
 */
public final class AwsSteps {
  private AwsSteps() {}

  /**
   * The implementations for {@code environment}: {@link Ec2Steps}, {@link RdsSteps}, {@link
   * SecretsSteps}.
   */
  public static List<Object> forEnvironment(EnvironmentSpec environment, AwsSettings settings) {
    return forEnvironment(AwsClients.of(AwsEnvironment.from(environment), settings), settings);
  }

  /** The implementations over existing clients. */
  public static List<Object> forEnvironment(AwsClients clients, AwsSettings settings) {
    return List.of(
        new Ec2Steps(clients, settings),
        new RdsSteps(clients, settings),
        new SecretsSteps(clients));
  }
}
