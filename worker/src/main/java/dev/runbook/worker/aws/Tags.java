package dev.runbook.worker.aws;

/**
 * The tags the engine writes on AWS resources. They are how a run recognises what it created (a
 * retry finds its snapshot; delete refuses what another run or a person made) and how runs share
 * the jump box (leases). Documented in worker/README.md ("AWS steps").
 */
final class Tags {
  private Tags() {}

  /** On snapshots, restored instances and clusters, ingress rules: the run that created them. */
  static final String RUN_ID = "runbook:run-id";

  /** On snapshots and restores: the runbook and step that created them. */
  static final String RUNBOOK = "runbook:runbook";

  static final String STEP = "runbook:step";

  /** On the jump box: present when the engine started it from stopped; value: that run. */
  static final String STARTED_BY = "runbook:started-by";

  /** On the jump box: {@code runbook:lease:<run id>} = {@code <user> until <ISO instant>}. */
  static final String LEASE_PREFIX = "runbook:lease:";

  /** The lease tag key of a run (EC2 keys hold at most 128 characters). */
  static String leaseKey(String runId) {
    String key = LEASE_PREFIX + runId;
    return key.length() <= 128 ? key : key.substring(0, 128);
  }

  /** A tag value within EC2/RDS limits (256 characters). */
  static String value(String text) {
    return text.length() <= 256 ? text : text.substring(0, 256);
  }
}
