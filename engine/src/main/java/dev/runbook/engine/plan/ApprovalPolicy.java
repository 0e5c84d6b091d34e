package dev.runbook.engine.plan;

import java.time.Duration;
import java.util.List;

/**
 * Who may open a gate and how many must agree.
 *
 * @param group the team named in the runbook, or null when users are listed directly
 * @param approvers the allowed approvers, resolved from the environment's team when a group is
 *     named, sorted
 * @param min distinct approvals needed
 * @param allowSelfApproval whether the launcher may approve (only environments that say so)
 */
public record ApprovalPolicy(
    String group,
    List<String> approvers,
    int min,
    Duration timeout,
    TimeoutOutcome onTimeout,
    boolean allowSelfApproval,
    String message) {

  /** What happens when nobody decides in time. */
  public enum TimeoutOutcome {
    /** The run fails and compensates. */
    FAIL,
    /** The run ends as rejected and compensates. */
    REJECT
  }

  public ApprovalPolicy {
    approvers = List.copyOf(approvers);
  }
}
