package dev.runbook.engine.sql;

import java.util.List;
import java.util.Objects;

/**
 * Result of analysing one SQL string; {@code findings} empty means acceptable.
 *
 * @param type what the (first) statement is; {@link StatementType#OTHER} when unparseable
 * @param bindNames distinct {@code :named} parameters in order of first appearance
 * @param tables tables written ({@link SqlContext#CHANGE}) or read ({@link SqlContext#QUERY}), as
 *     written without quoting characters, distinct, in order
 * @param findings the problems, ordered by rule
 */
public record SqlAnalysis(
    StatementType type, List<String> bindNames, List<String> tables, List<SqlFinding> findings) {

  public SqlAnalysis {
    Objects.requireNonNull(type, "type");
    bindNames = List.copyOf(bindNames);
    tables = List.copyOf(tables);
    findings = List.copyOf(findings);
  }

  /** True when nothing was found. */
  public boolean ok() {
    return findings.isEmpty();
  }
}
