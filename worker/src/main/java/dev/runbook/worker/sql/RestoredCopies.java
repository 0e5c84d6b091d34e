package dev.runbook.worker.sql;

/**
 * Where the restored copy of a database lives: what a SQL step's {@code instance} input (the {@code
 * instanceId} output of an earlier {@code aws.rds.restore-pitr}) resolves to. The cloud provider of
 * the environment implements it: the {@code local} provider finds the database it made in its
 * registry; AWS finds the restored instance's endpoint.
 */
@FunctionalInterface
public interface RestoredCopies {
  /**
   * The restored copy {@code instance} of {@code live}, reached with the same engine, secret and
   * masking as {@code live}.
   *
   * @param runId the run asking: a copy another run made is refused (NOT_OWNED)
   * @throws io.temporal.failure.ApplicationFailure NOT_OWNED when the run did not make it,
   *     CONFIGURATION when it cannot be found
   */
  SqlTarget copyOf(SqlTarget live, String instance, String runId);
}
