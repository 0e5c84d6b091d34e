package dev.runbook.cli;

import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.TemporalConnection;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reading runs: whether one exists, its live view (a query) or its result once it ended. */
final class Runs {
  /** How long a query may wait for a worker to answer. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

  /** What to do about an unknown run id. */
  static final String NO_RUN_HINT =
      "; `runbook list` shows the runs there (ids read runbook-env-ticket)";

  private final TemporalConnection connection;

  Runs(TemporalConnection connection) {
    this.connection = connection;
  }

  WorkflowClient client() {
    return connection.client();
  }

  TemporalConnection connection() {
    return connection;
  }

  /** A run as Temporal describes it, with our view of it when one could be had. */
  record Snapshot(String id, WorkflowExecutionDescription description, RunView view) {
    boolean closed() {
      return description.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    }

    Instant started() {
      return description.getStartTime();
    }

    /** How long it ran (until now while running). */
    Duration elapsed() {
      Instant end = closed() ? description.getCloseTime() : Instant.now();
      return Duration.between(description.getStartTime(), end);
    }

    /** The Temporal status without its prefix: RUNNING, COMPLETED, TERMINATED... */
    String temporalStatus() {
      return description.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    }
  }

  Optional<WorkflowExecutionDescription> describe(String id) {
    try {
      return Optional.of(client().newUntypedWorkflowStub(id).describe());
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      if (Temporal.grpcFailure(e)
          .map(s -> s.getStatus().getCode() == Status.Code.NOT_FOUND)
          .orElse(false)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The run, or exit 2 "no run X". */
  WorkflowExecutionDescription require(String id) {
    WorkflowExecutionDescription description =
        describe(id)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "no run " + id + " in namespace " + connection.namespace() + NO_RUN_HINT));
    if (!description.getWorkflowType().equals("Runbook")) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          id + " is a " + description.getWorkflowType() + " workflow, not a runbook run");
    }
    return description;
  }

  /** Description and view: the result once ended, a query while running. */
  Snapshot snapshot(String id) {
    WorkflowExecutionDescription description = require(id);
    if (description.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return new Snapshot(id, description, result(id, description).orElse(null));
    }
    return new Snapshot(id, description, view(id));
  }

  /**
   * The live view, asked of the worker running the interpreter. Exit 3 when no worker answers in
   * {@link #QUERY_TIMEOUT}.
   */
  RunView view(String id) {
    QueryWorkflowResponse response;
    try {
      response =
          connection
              .stubs()
              .blockingStub()
              .withDeadlineAfter(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .queryWorkflow(
                  QueryWorkflowRequest.newBuilder()
                      .setNamespace(connection.namespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                      .setQuery(WorkflowQuery.newBuilder().setQueryType("view"))
                      .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new NoWorkerException(id);
      }
      throw e;
    }
    return client()
        .getOptions()
        .getDataConverter()
        .fromPayloads(0, Optional.of(response.getQueryResult()), RunView.class, RunView.class);
  }

  /** The view a run returned when it ended; empty when it ended some other way (terminated). */
  Optional<RunView> result(String id, WorkflowExecutionDescription description) {
    if (description.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          client()
              .newUntypedWorkflowStub(id)
              .getResult(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, RunView.class));
    } catch (WorkflowFailedException | TimeoutException e) {
      return Optional.empty();
    }
  }

  /** The typed stub for updates and signals. */
  RunbookWorkflow workflow(String id) {
    return client().newWorkflowStub(RunbookWorkflow.class, id);
  }

  /** No worker answered a query in time. */
  static final class NoWorkerException extends CliException {
    private static final long serialVersionUID = 1L;

    NoWorkerException(String id) {
      super(
          ExitCode.UNEXPECTED_STATE,
          "run "
              + id
              + ": no worker answered within "
              + QUERY_TIMEOUT.toSeconds()
              + "s; is one polling "
              + RunbookWorkflow.CONTROL_QUEUE
              + "? (`runbook worker --env ENV` or `runbook dev`)");
    }
  }
}
