package dev.runbook.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The steps of one environment, in order. Stages run strictly one after the other.
 *
 * @param gateBefore the gate that must open before this stage starts (the {@code promote} gate
 *     between environments); null for the first stage
 * @param facts what {@code env.*} expressions read at run time (name, region, databases...)
 */
public record Stage(
    String environment,
    String taskQueue,
    boolean rehearsal,
    JsonNode facts,
    Gate gateBefore,
    List<Step> steps) {
  public Stage {
    facts = facts.deepCopy();
    steps = List.copyOf(steps);
  }
}
