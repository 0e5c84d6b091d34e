package dev.runbook.cli;

import dev.runbook.engine.workflow.ApprovalAnswer;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.TemporalConnection;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;

/** {@code approve} and {@code reject}: one decision, sent as the {@code decide} update. */
final class Decide {
  private Decide() {}

  static int send(
      ClientCommand command, String runId, String gate, Decision decision, String comment) {
    try (TemporalConnection connection = command.connect()) {
      Runs runs = new Runs(connection);
      ended(runs, runId, runs.require(runId));
      RunView view = runs.view(runId);
      if (view.status().isFinal()) {
        throw new CliException(
            ExitCode.UNEXPECTED_STATE,
            "run " + runId + " has ended (" + view.status() + "); nothing to decide");
      }
      ApprovalDecision sent =
          new ApprovalDecision(
              gate,
              connection.identity(),
              decision,
              comment == null ? "" : comment,
              view.planHash());
      ApprovalAnswer answer;
      try {
        answer = runs.workflow(runId).decide(sent);
      } catch (WorkflowUpdateException e) {
        throw new CliException(ExitCode.INVALID_INPUT, "refused: " + Temporal.refusal(e));
      } catch (WorkflowNotFoundException e) {
        ended(runs, runId, runs.require(runId));
        throw e;
      }
      command.out().println("run " + runId + ": " + answer.message());
      command.out().flush();
      return ExitCode.OK.code();
    }
  }

  /** Exit 3 when the run is over. */
  private static void ended(Runs runs, String runId, WorkflowExecutionDescription description) {
    Runs.Snapshot run = new Runs.Snapshot(runId, description, null);
    if (run.closed()) {
      String status =
          runs.result(runId, description).map(v -> v.status().name()).orElse(run.temporalStatus());
      throw new CliException(
          ExitCode.UNEXPECTED_STATE,
          "run " + runId + " has ended (" + status + "); nothing to decide");
    }
  }
}
