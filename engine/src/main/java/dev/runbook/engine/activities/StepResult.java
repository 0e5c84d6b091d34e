package dev.runbook.engine.activities;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a step activity returns: its declared outputs (read by later steps as {@code
 * steps.<id>.outputs.<name>}) and a one-line summary for the run's transcript and audit.
 */
public record StepResult(JsonNode outputs, String summary) {}
