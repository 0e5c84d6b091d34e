package dev.runbook.worker.aws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.SecretsActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.function.Executable;
import org.slf4j.LoggerFactory;

/**
 * The AWS steps of {@code stage} on a {@link TestActivityEnvironment} against an {@link AwsStub}:
 * typed stubs (one attempt, so a failure is seen as thrown), the heartbeats sent, and every log
 * line of the worker's code and the SDKs captured for canary checks.
 */
final class AwsTestKit implements AutoCloseable {
  final AwsStub aws = new AwsStub();
  final TestActivityEnvironment activities = TestActivityEnvironment.newInstance();
  final List<String> heartbeats = new CopyOnWriteArrayList<>();
  final List<Object> steps;
  final Ec2Activities ec2;
  final RdsActivities rds;
  final SecretsActivities secrets;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  AwsTestKit() {
    this(AwsStub.settings());
  }

  AwsTestKit(AwsSettings settings) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    logs.setContext(context);
    logs.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    context.getLogger("dev.runbook").setLevel(Level.DEBUG);
    // the SDK's request log, read here but kept off the console
    Logger sdk = context.getLogger("software.amazon.awssdk.request");
    sdk.setLevel(Level.DEBUG);
    sdk.setAdditive(false);
    sdk.addAppender(logs);
    steps = AwsSteps.forEnvironment(aws.environment(), settings);
    activities.registerActivitiesImplementations(steps.toArray());
    activities.setActivityHeartbeatListener(String.class, heartbeats::add);
    ActivityOptions options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build();
    ec2 = activities.newActivityStub(Ec2Activities.class, options);
    rds = activities.newActivityStub(RdsActivities.class, options);
    secrets = activities.newActivityStub(SecretsActivities.class, options);
  }

  /** The typed failure a step call ends with. */
  static ApplicationFailure failure(Executable call) {
    ActivityFailure thrown = assertThrows(ActivityFailure.class, call);
    if (thrown.getCause() instanceof ApplicationFailure f) {
      return f;
    }
    throw new AssertionError("not an ApplicationFailure", thrown);
  }

  /** Every log line so far, formatted, with its throwable's messages. */
  String logText() {
    StringBuilder all = new StringBuilder();
    for (ILoggingEvent e : logs.list) {
      all.append(e.getFormattedMessage()).append('\n');
      for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        all.append(t.getMessage()).append('\n');
      }
    }
    return all.toString();
  }

  void assertNotLogged(String secret) {
    assertFalse(logText().contains(secret), "a secret value is in the log");
  }

  @Override
  public void close() {
    activities.close();
    for (Object s : steps) {
      if (s instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    aws.close();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
    context.getLogger("software.amazon.awssdk.request").detachAppender(logs);
  }
}
