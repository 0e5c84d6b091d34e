package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An open gate as a reviewer sees it.
 *
 * @param shows outputs of the steps the gate shows (e.g. a SQL preview), by step id
 */
public record GateView(
    String id,
    String environment,
    String message,
    List<String> approvers,
    int needed,
    List<String> approvedBy,
    long deadline,
    JsonNode shows) {}
