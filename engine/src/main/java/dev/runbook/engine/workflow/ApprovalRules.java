package dev.runbook.engine.workflow;

import java.util.Optional;

/**
 * Whether a decision may be counted, and if not, the reason the reviewer is told. Pure: the update
 * handler (and its validator, past the record's cap) and the signal handler use it.
 */
final class ApprovalRules {
  private ApprovalRules() {}

  static Optional<String> refusal(
      GateState gate, ApprovalDecision d, String launcher, String planHash, boolean ended) {
    if (d == null || d.approver() == null || d.approver().isBlank()) {
      return Optional.of("a decision needs the approver's identity");
    }
    if (d.decision() == null) {
      return Optional.of("a decision must be approve or reject");
    }
    if (ended) {
      return Optional.of("the run has ended; there is nothing to decide");
    }
    if (d.planHash() == null || !d.planHash().equals(planHash)) {
      return Optional.of(
          "plan hash "
              + shortHash(d.planHash())
              + " is not the plan running ("
              + shortHash(planHash)
              + "); check `runbook status` and decide on what runs");
    }
    if (gate == null) {
      return Optional.of(
          d.gate() == null
              ? "no gate is open now"
              : "gate '" + d.gate() + "' is not open; no gate is open now");
    }
    if (d.gate() != null && !d.gate().equals(gate.id)) {
      return Optional.of("gate '" + d.gate() + "' is not open; the open gate is '" + gate.id + "'");
    }
    String who = d.approver();
    if (!gate.policy.approvers().contains(who)) {
      return Optional.of(
          who
              + " may not decide at gate '"
              + gate.id
              + "'; allowed: "
              + (gate.policy.approvers().isEmpty()
                  ? "nobody"
                  : String.join(", ", gate.policy.approvers()))
              + (gate.policy.group() == null ? "" : " (team " + gate.policy.group() + ")"));
    }
    if (d.decision() == Decision.APPROVE
        && who.equals(launcher)
        && !gate.policy.allowSelfApproval()) {
      return Optional.of(
          who + " launched this run and cannot approve it: a second person must (four eyes)");
    }
    if (d.decision() == Decision.APPROVE && gate.approvals.containsKey(who)) {
      return Optional.of(
          who + " already approved gate '" + gate.id + "'; each approver counts once");
    }
    return Optional.empty();
  }

  static String shortHash(String hash) {
    if (hash == null || hash.isEmpty()) {
      return "(none)";
    }
    return hash.length() > 12 ? hash.substring(0, 12) : hash;
  }
}
