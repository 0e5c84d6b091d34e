package dev.runbook.cli;

import dev.runbook.worker.TemporalConnection;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;

/** How Temporal's failures read to people: one line each. */
final class Temporal {
  private Temporal() {}

  /** The gRPC failure somewhere in a cause chain, if any. */
  static Optional<StatusRuntimeException> grpcFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  private static final String REFUSED_HINT =
      "check --namespace and your TLS identity (--tls-cert) against the server's permissions";

  static String describeFailure(StatusRuntimeException e) {
    Status status = e.getStatus();
    String description =
        status.getDescription() == null
            ? null
            : TemporalConnection.oneLine(status.getDescription());
    String detail = status.getCode() + (description == null ? "" : ": " + description);
    return switch (status.getCode()) {
      case UNAVAILABLE ->
          "lost the connection to Temporal ("
              + detail
              + "); check that the server is up (`runbook dev` for a local one) and run the"
              + " command again";
      case DEADLINE_EXCEEDED ->
          "Temporal did not answer in time ("
              + detail
              + "); the server may be overloaded: run the command again, or check its health";
      case INVALID_ARGUMENT ->
          detail.toLowerCase().contains("search attribute")
              ? "the namespace lacks the runbook search attributes ("
                  + description
                  + "); `runbook dev` registers them; on a server of your own register them"
                  + " once (`temporal operator search-attribute create`, see README.md)"
              : "Temporal refused the request (" + detail + "); " + REFUSED_HINT;
      default -> "Temporal refused the request (" + detail + "); " + REFUSED_HINT;
    };
  }

  /** The reason a workflow gave for refusing an update (the validator's message). */
  static String refusal(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure app) {
        message = app.getOriginalMessage();
      }
    }
    if (message != null) {
      return message;
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
