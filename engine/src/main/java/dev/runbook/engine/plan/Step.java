package dev.runbook.engine.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One compiled step. The interpreter dispatches on the record type with an exhaustive switch.
 *
 * <p>{@code when} is {@code true}, {@code false} (skipped in this environment) or a {@code ${{ }}}
 * text evaluated when the step is reached.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ActivityStep.class, name = "activity"),
  @JsonSubTypes.Type(value = ApprovalStep.class, name = "approval"),
  @JsonSubTypes.Type(value = WaitStep.class, name = "wait"),
  @JsonSubTypes.Type(value = AssertStep.class, name = "assert"),
  @JsonSubTypes.Type(value = LeaseStep.class, name = "lease")
})
public sealed interface Step permits ActivityStep, ApprovalStep, WaitStep, AssertStep, LeaseStep {
  String id();

  /** The summary shown in the Temporal UI and reports. */
  String name();

  JsonNode when();
}
