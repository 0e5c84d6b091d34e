package dev.runbook.cli;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunbookWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Starts a compiled plan as a run: its id, search attributes, memo and summary. */
final class Launch {
  /** How many -2, -3 ... suffixes are tried before giving up. */
  static final int MAX_SUFFIX = 100;

  private Launch() {}

  /** The ticket of a run: the one given, else the runbook's {@code ticket} param, else "". */
  static String ticket(Plan plan, String given) {
    if (given != null && !given.isBlank()) {
      return given.strip();
    }
    var param = plan.params().get("ticket");
    return param != null && param.isTextual() ? param.asText() : "";
  }

  /** Starts the run as {@code launcher}; returns its id. */
  static String start(WorkflowClient client, Plan plan, String launcher, String ticket) {
    String base = RunIds.base(plan.runbook().name(), plan.target(), ticket, Instant.now());
    for (int n = 1; n <= MAX_SUFFIX; n++) {
      String id = RunIds.candidate(base, n);
      RunbookWorkflow run =
          client.newWorkflowStub(RunbookWorkflow.class, options(id, plan, launcher, ticket));
      try {
        WorkflowClient.start(run::run, new RunRequest(plan, launcher, ticket));
        return id;
      } catch (WorkflowExecutionAlreadyStarted taken) {
        // next suffix
      }
    }
    throw new CliException(
        ExitCode.UNEXPECTED_STATE,
        "runs "
            + base
            + " to "
            + RunIds.candidate(base, MAX_SUFFIX)
            + " all exist; pass another --ticket");
  }

  static WorkflowOptions options(String id, Plan plan, String launcher, String ticket) {
    SearchAttributes.Builder attributes =
        SearchAttributes.newBuilder()
            .set(RunSearchAttributes.RUNBOOK_NAME, plan.runbook().name())
            .set(RunSearchAttributes.RUNBOOK_VERSION, (long) plan.runbook().version())
            .set(RunSearchAttributes.ENVIRONMENT, plan.stages().get(0).environment())
            .set(RunSearchAttributes.LAUNCHER, launcher)
            .set(RunSearchAttributes.RUN_STATUS, RunStatus.RUNNING.name());
    if (!ticket.isEmpty()) {
      attributes.set(RunSearchAttributes.TICKET, ticket);
    }
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("target", plan.target());
    memo.put("planHash", plan.hash());
    memo.put("launcher", launcher);
    memo.put("ticket", ticket);
    return WorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .setTypedSearchAttributes(attributes.build())
        .setMemo(memo)
        .setStaticSummary(summary(plan, ticket))
        .setStaticDetails(details(plan, launcher, ticket))
        .build();
  }

  /** One line for the Temporal UI's list: runbook, version, environment, ticket, plan hash. */
  static String summary(Plan plan, String ticket) {
    return plan.runbook().name()
        + " v"
        + plan.runbook().version()
        + " on "
        + plan.target()
        + (ticket.isEmpty() ? "" : ", ticket " + ticket)
        + ", plan "
        + RunText.shortHash(plan.hash());
  }

  static String details(Plan plan, String launcher, String ticket) {
    return "**"
        + plan.runbook().name()
        + "** v"
        + plan.runbook().version()
        + (plan.runbook().description().isEmpty() ? "" : ": " + plan.runbook().description())
        + "\n\n- environment: "
        + plan.target()
        + " (stages: "
        + String.join(" -> ", plan.stages().stream().map(s -> s.environment()).toList())
        + ")\n- ticket: "
        + (ticket.isEmpty() ? "(none)" : ticket)
        + "\n- launched by: "
        + launcher
        + "\n- plan hash: "
        + plan.hash()
        + "\n- runbook file sha256: "
        + plan.runbook().sha256()
        + "\n";
  }
}
