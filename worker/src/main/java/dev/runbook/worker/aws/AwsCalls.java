package dev.runbook.worker.aws;

import dev.runbook.engine.workflow.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.AwsResponse;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The AWS calls of one step attempt. Each call names its IAM action and target, so a refusal says
 * which permission is missing on what; every request id AWS answered with is kept and goes into the
 * failure details (and the failing one into the message), for AWS support and CloudTrail.
 *
 * <p>Failure types: throttling, 5xx and network faults TRANSIENT (after the SDK's own retries);
 * AccessDenied CONFIGURATION naming the action; a missing resource CONFIGURATION naming the
 * identifier; anything else STEP_FAILED with AWS's code and message. AWS messages never carry
 * secret values (they name resources), and no call here sends or receives one except {@code
 * GetSecretValue}, whose response never reaches a message.
 */
final class AwsCalls {
  private static final Set<String> THROTTLING =
      Set.of(
          "Throttling",
          "ThrottlingException",
          "ThrottledException",
          "RequestLimitExceeded",
          "TooManyRequestsException",
          "RequestThrottled",
          "RequestThrottledException",
          "SlowDown",
          "PriorRequestNotComplete");
  private static final Set<String> ACCESS_DENIED =
      Set.of(
          "AccessDenied",
          "AccessDeniedException",
          "UnauthorizedOperation",
          "AuthFailure",
          "UnrecognizedClientException",
          "InvalidClientTokenId",
          "ExpiredToken",
          "ExpiredTokenException");

  private final String environment;
  private final String region;
  private final List<String> requestIds = new ArrayList<>();

  AwsCalls(AwsEnvironment environment) {
    this.environment = environment.name();
    this.region = environment.region();
  }

  /** Every request id of this attempt so far, as {@code <action> <id>}. */
  List<String> requestIds() {
    return List.copyOf(requestIds);
  }

  /**
   * Runs one AWS call.
   *
   * @param action the IAM action it needs, e.g. {@code ec2:StartInstances}
   * @param target what it acts on, for messages, e.g. {@code instance i-0123}
   */
  <T extends AwsResponse> T run(String action, String target, Supplier<T> call) {
    return attempt(action, target, Set.of(), call).orElseThrow();
  }

  /**
   * Runs one AWS call; an error whose code is in {@code expected} is an empty answer (e.g. {@code
   * InvalidPermission.Duplicate}: the rule is already there).
   */
  <T extends AwsResponse> Optional<T> attempt(
      String action, String target, Set<String> expected, Supplier<T> call) {
    try {
      T response = call.get();
      String id = response.responseMetadata().requestId();
      if (id != null && !id.equals("UNKNOWN")) {
        requestIds.add(action + " " + id);
      }
      return Optional.of(response);
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      requestIds.add(action + " " + e.requestId() + " (" + code + ")");
      if (code != null && expected.contains(code)) {
        return Optional.empty();
      }
      throw failure(e, code, action, target);
    } catch (SdkClientException e) {
      throw sdkClient(e, action, target);
    }
  }

  /** A failure of this step with the request ids so far in its details. */
  ApplicationFailure fail(FailureType type, String message) {
    return build(type, message);
  }

  private ApplicationFailure failure(
      AwsServiceException e, String code, String action, String target) {
    String awsMessage =
        e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
            ? ""
            : ": " + oneLine(e.awsErrorDetails().errorMessage());
    String id = " (AWS request id " + e.requestId() + ")";
    if (e.isThrottlingException() || (code != null && THROTTLING.contains(code))) {
      return build(
          FailureType.TRANSIENT,
          "AWS throttled "
              + action
              + " on "
              + target
              + " in "
              + region
              + " after the SDK's retries ("
              + code
              + "); the step is retried with backoff"
              + id);
    }
    if (code != null && (ACCESS_DENIED.contains(code) || e.statusCode() == 403)) {
      return build(
          FailureType.CONFIGURATION,
          "AWS denied "
              + action
              + " on "
              + target
              + " to the worker of "
              + environment
              + " ("
              + code
              + "): grant "
              + action
              + " to its role (`runbook iam-policy` prints what the runbook needs)"
              + id);
    }
    if (code != null && isNotFound(code)) {
      return build(
          FailureType.CONFIGURATION,
          target + " not found in " + region + " (" + code + awsMessage + ")" + id);
    }
    if (e.statusCode() >= 500) {
      return build(
          FailureType.TRANSIENT,
          "AWS failed " + action + " on " + target + " (" + code + awsMessage + ")" + id);
    }
    return build(
        FailureType.STEP_FAILED,
        "AWS refused " + action + " on " + target + " (" + code + awsMessage + ")" + id);
  }

  private ApplicationFailure sdkClient(SdkClientException e, String action, String target) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (message.contains("credentials") || message.contains("Credentials")) {
      return build(
          FailureType.CONFIGURATION,
          "no AWS credentials for the worker of "
              + environment
              + " ("
              + action
              + " on "
              + target
              + "): set aws.profile or aws.roleArn, or give the worker credentials ("
              + oneLine(message)
              + ")");
    }
    return build(
        FailureType.TRANSIENT,
        "cannot reach AWS for " + action + " on " + target + ": " + oneLine(message));
  }

  static boolean isNotFound(String code) {
    return code.endsWith(".NotFound")
        || code.endsWith("NotFound")
        || code.endsWith("NotFoundFault")
        || code.equals("ResourceNotFoundException")
        || code.equals("InvalidInstanceID.Malformed")
        || code.equals("InvalidGroupId.Malformed");
  }

  private ApplicationFailure build(FailureType type, String message) {
    Map<String, Object> details = Map.of("awsRequestIds", requestIds());
    return type.retryable()
        ? ApplicationFailure.newFailure(message, type.name(), details)
        : ApplicationFailure.newNonRetryableFailure(message, type.name(), details);
  }

  private static String oneLine(String text) {
    String line = text.lines().findFirst().orElse("").strip();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
