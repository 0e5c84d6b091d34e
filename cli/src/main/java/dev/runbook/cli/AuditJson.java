package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.runbook.worker.audit.RunAudit;

/** The audit report as JSON: the run's record, plus each created resource and its fate. */
final class AuditJson {
  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private AuditJson() {}

  static ObjectNode tree(RunAudit run) {
    ObjectNode root = MAPPER.valueToTree(run);
    root.set("resources", MAPPER.valueToTree(run.resourceFates()));
    return root;
  }

  static String render(RunAudit run) {
    return render(run, true);
  }

  /** With or without the plan's JSON (its hash is always there). */
  static String render(RunAudit run, boolean withPlan) {
    ObjectNode tree = tree(run);
    if (!withPlan) {
      tree.remove("plan");
    }
    try {
      return MAPPER.writeValueAsString(tree) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a report always serialises", e);
    }
  }
}
