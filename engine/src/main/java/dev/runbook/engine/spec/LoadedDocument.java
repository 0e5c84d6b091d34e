package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A YAML file read into a JSON tree, with where each value came from.
 *
 * @param file the path as the user gave it, used in diagnostics
 * @param sha256 hex sha256 of the exact file bytes, pinned in every plan
 */
public record LoadedDocument(String file, JsonNode tree, SourceMap sourceMap, String sha256) {}
