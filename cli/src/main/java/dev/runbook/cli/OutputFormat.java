package dev.runbook.cli;

/** How results are printed. */
public enum OutputFormat {
  text,
  json
}
