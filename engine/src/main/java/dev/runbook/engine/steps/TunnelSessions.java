package dev.runbook.engine.steps;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The lease-end cleanup step of {@code runbooks/db-access.yaml}. A class of its own, without the
 * step registry, because the workflow asks it too (which databases a run locks).
 */
public final class TunnelSessions {
  private TunnelSessions() {}

  /**
   * True for {@code sql.terminate-sessions} with {@code tunnelSessions: true} (a literal): the
   * lease-end cleanup of {@code runbooks/db-access.yaml}. The environment's {@code access} policy,
   * not the runbook, chooses which sessions (the access user's, from the jump box's addresses), so
   * it needs no reviewer's approval and takes no database lock (other leases go on meanwhile).
   */
  public static boolean of(String uses, JsonNode with) {
    return "sql.terminate-sessions".equals(uses)
        && with != null
        && with.path("tunnelSessions").isBoolean()
        && with.path("tunnelSessions").asBoolean()
        && !with.has("sessions"); // given ids still need their approval
  }
}
