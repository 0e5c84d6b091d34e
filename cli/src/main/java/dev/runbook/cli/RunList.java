package dev.runbook.cli;

import com.google.protobuf.ByteString;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.worker.TemporalConnection;
import io.grpc.Status;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.SearchAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds runs: a visibility query where the server has them, else the open and closed executions,
 * described one by one (the test server behind {@code runbook dev} has no visibility queries and
 * lists executions without their search attributes).
 */
final class RunList {
  static final int MAX_LIMIT = 1000;

  /** How many executions the fallback reads at most, newest first. */
  static final int SCAN = 1000;

  private RunList() {}

  /** Filters; null means any. {@code env} is the environment a run targets. */
  record Filter(String env, RunStatus status, String runbook) {
    String query() {
      StringBuilder q = new StringBuilder("WorkflowType = 'Runbook'");
      if (status != null) {
        q.append(" AND RunStatus = '").append(status.name()).append("'");
      }
      if (runbook != null) {
        q.append(" AND RunbookName = '").append(runbook).append("'");
      }
      return q.toString();
    }

    boolean matches(Row row) {
      return (env == null || env.equals(row.target()))
          && (status == null || status.name().equals(row.status()))
          && (runbook == null || runbook.equals(row.runbook()));
    }
  }

  /** One run as listed. {@code environment} is where it is now (or ended). */
  record Row(
      String id,
      String status,
      String runbook,
      long version,
      String target,
      String environment,
      String launcher,
      String ticket,
      Instant started) {}

  static List<Row> find(TemporalConnection connection, Filter filter, int limit) {
    try (Stream<WorkflowExecutionMetadata> found =
        connection.client().listExecutions(filter.query())) {
      List<Row> rows = new ArrayList<>();
      for (Iterator<WorkflowExecutionMetadata> it = found.iterator();
          it.hasNext() && rows.size() < limit; ) {
        row(it.next()).filter(filter::matches).ifPresent(rows::add);
      }
      return rows;
    } catch (RuntimeException e) {
      boolean unimplemented =
          Temporal.grpcFailure(e)
              .map(s -> s.getStatus().getCode() == Status.Code.UNIMPLEMENTED)
              .orElse(false);
      if (!unimplemented) {
        throw e;
      }
    }
    return fallback(connection, filter, limit);
  }

  private static List<Row> fallback(TemporalConnection connection, Filter filter, int limit) {
    List<WorkflowExecutionInfo> executions = new ArrayList<>();
    var stub = connection.stubs().blockingStub();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName("Runbook").build();
    ByteString token = ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse page =
          stub.listOpenWorkflowExecutions(
              ListOpenWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(connection.namespace())
                  .setMaximumPageSize(100)
                  .setTypeFilter(type)
                  .setNextPageToken(token)
                  .build());
      executions.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty() && executions.size() < SCAN);
    token = ByteString.EMPTY;
    int open = executions.size();
    do {
      ListClosedWorkflowExecutionsResponse page =
          stub.listClosedWorkflowExecutions(
              ListClosedWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(connection.namespace())
                  .setMaximumPageSize(100)
                  .setTypeFilter(type)
                  .setNextPageToken(token)
                  .build());
      executions.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty() && executions.size() - open < SCAN);
    executions.sort(
        Comparator.comparingLong((WorkflowExecutionInfo i) -> i.getStartTime().getSeconds())
            .thenComparingInt(i -> i.getStartTime().getNanos())
            .reversed());
    Runs runs = new Runs(connection);
    List<Row> rows = new ArrayList<>();
    for (WorkflowExecutionInfo info : executions) {
      if (rows.size() >= limit) {
        break;
      }
      if (!info.getType().getName().equals("Runbook")) {
        continue;
      }
      runs.describe(info.getExecution().getWorkflowId())
          .filter(d -> d.getExecution().getRunId().equals(info.getExecution().getRunId()))
          .flatMap(RunList::row)
          .filter(filter::matches)
          .ifPresent(rows::add);
    }
    return rows;
  }

  /** A row from what Temporal knows of an execution; empty when it is not one of our runs. */
  static Optional<Row> row(WorkflowExecutionMetadata m) {
    SearchAttributes attributes = m.getTypedSearchAttributes();
    String runbook = attributes.get(RunSearchAttributes.RUNBOOK_NAME);
    if (runbook == null) {
      return Optional.empty();
    }
    String status = attributes.get(RunSearchAttributes.RUN_STATUS);
    String temporal = m.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    if (!temporal.equals("RUNNING") && !temporal.equals("COMPLETED")) {
      status = temporal; // terminated, timed out: the workflow could not record its own end
    }
    Long version = attributes.get(RunSearchAttributes.RUNBOOK_VERSION);
    String environment = attributes.get(RunSearchAttributes.ENVIRONMENT);
    Object target = m.getMemo("target", String.class);
    return Optional.of(
        new Row(
            m.getExecution().getWorkflowId(),
            Objects.requireNonNullElse(status, ""),
            runbook,
            version == null ? 0 : version,
            target == null ? Objects.requireNonNullElse(environment, "") : target.toString(),
            Objects.requireNonNullElse(environment, ""),
            Objects.requireNonNullElse(attributes.get(RunSearchAttributes.LAUNCHER), ""),
            Objects.requireNonNullElse(attributes.get(RunSearchAttributes.TICKET), ""),
            m.getStartTime()));
  }
}
