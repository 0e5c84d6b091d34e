package dev.runbook.worker.faults;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;

/**
 * Drops the sticky queue a worker asks for when it completes a workflow task, on the test server's
 * side. A real Temporal server gives a task waiting on a dead worker's sticky queue back to the
 * normal queue after the sticky schedule-to-start timeout (5 s); Temporal's test server has no such
 * timeout, so after a SIGKILL the run's next task would wait there for ever. Without sticky queues
 * every task goes to the normal queue, as it does on a real server once that timeout passes; the
 * workers run unchanged.
 */
final class NoStickyQueues implements ServerInterceptor {
  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (message instanceof RespondWorkflowTaskCompletedRequest completed
            && completed.hasStickyAttributes()) {
          message = (Q) completed.toBuilder().clearStickyAttributes().build();
        }
        super.onMessage(message);
      }
    };
  }
}
