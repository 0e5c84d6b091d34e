package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.plan.ApprovalPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A gate while it is open: the policy, who approved so far, and a rejection if any. */
final class GateState {
  final String id;
  final String environment;
  final ApprovalPolicy policy;
  final JsonNode shows;
  final String message;
  final long deadline;
  final Map<String, ApprovalRecord> approvals = new LinkedHashMap<>();
  ApprovalRecord rejection;

  GateState(
      String id,
      String environment,
      ApprovalPolicy policy,
      JsonNode shows,
      String message,
      long deadline) {
    this.id = id;
    this.environment = environment;
    this.policy = policy;
    this.shows = shows;
    this.message = message;
    this.deadline = deadline;
  }

  boolean decided() {
    return rejection != null || approvals.size() >= policy.min();
  }

  GateView view() {
    List<String> approvedBy = new ArrayList<>(approvals.keySet());
    return new GateView(
        id,
        environment,
        message,
        policy.approvers(),
        policy.min(),
        approvedBy,
        deadline,
        shows.deepCopy());
  }
}
