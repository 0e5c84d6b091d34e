package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A standalone human gate.
 *
 * @param shows ids of earlier steps whose outputs the reviewer sees
 */
public record ApprovalStep(
    String id, String name, JsonNode when, ApprovalPolicy policy, List<String> shows)
    implements Step {
  public ApprovalStep {
    when = when.deepCopy();
    shows = List.copyOf(shows);
  }
}
