package dev.runbook.worker.sql;

import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.sql.SqlFinding;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.workflow.FailureType;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The run-time check of the statements that revert a failed migration's partial changes ({@code
 * flyway.repair}, {@code prisma.revert}): the guards in the migration context again (DDL allowed;
 * WHERE required; one statement; no transaction control, {@code ?}, {@code :name} or server
 * functions), since the plan may come from a client that skipped the compiler.
 */
public final class RevertGuard {
  private RevertGuard() {}

  /** Refuses (GUARD_VIOLATION) any statement the guards reject; before anything runs. */
  public static void check(List<String> statements) {
    for (int i = 0; i < statements.size(); i++) {
      SqlAnalysis analysis = SqlGuard.analyze(statements.get(i), SqlContext.MIGRATION);
      String problems =
          analysis.findings().stream().map(SqlFinding::message).collect(Collectors.joining("; "));
      if (!analysis.bindNames().isEmpty()) {
        problems =
            (problems.isEmpty() ? "" : problems + "; ")
                + "a revert statement takes no :name parameters";
      }
      if (!problems.isEmpty()) {
        throw FailureType.GUARD_VIOLATION.failure(
            "revert statement " + (i + 1) + " refused by the guards at run time: " + problems);
      }
    }
  }
}
