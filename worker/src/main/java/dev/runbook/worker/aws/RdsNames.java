package dev.runbook.worker.aws;

import dev.runbook.engine.internal.Sha256;
import dev.runbook.engine.workflow.FailureType;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * RDS identifiers: letters, digits and hyphens, starting with a letter, no two hyphens in a row, no
 * hyphen at the end; instances and clusters at most 63 characters, snapshots at most 255.
 */
final class RdsNames {
  static final int INSTANCE_MAX = 63;
  static final int SNAPSHOT_MAX = 255;
  private static final Pattern VALID = Pattern.compile("^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)$");

  private RdsNames() {}

  /**
   * The default snapshot name: {@code <database>-<runbook>-<run id>-<step>} (the run id already
   * holds the runbook name and the ticket when it was launched with one: then the runbook is not
   * repeated), made valid, at most 255 characters (a long name keeps its start and ends with a hash
   * of the whole).
   */
  static String snapshot(String database, String runbook, String runId, String step) {
    String run = runId.startsWith(runbook + "-") ? runId : runbook + "-" + runId;
    return fit(database + "-" + run + "-" + step, SNAPSHOT_MAX);
  }

  /** The instance a cluster restore creates in its new cluster: {@code <cluster>-1}. */
  static String clusterInstance(String cluster) {
    return fit(cluster + "-1", INSTANCE_MAX);
  }

  /** {@code text} as a valid identifier of at most {@code max} characters. */
  static String fit(String text, int max) {
    String clean = text.replaceAll("[^A-Za-z0-9-]", "-").replaceAll("-{2,}", "-");
    clean = clean.replaceAll("^[^A-Za-z]+", "").replaceAll("-+$", "");
    if (clean.isEmpty()) {
      clean = "rb";
    }
    if (clean.length() > max) {
      String hash = Sha256.hex(text).substring(0, 8);
      clean = clean.substring(0, max - 9).replaceAll("-+$", "") + "-" + hash;
    }
    return clean.toLowerCase(Locale.ROOT);
  }

  /** {@code id} when it is a valid identifier of at most {@code max}, else INVALID_PLAN. */
  static String check(String id, int max, String what) {
    if (id.length() > max || !VALID.matcher(id).matches()) {
      throw FailureType.INVALID_PLAN.failure(
          what
              + " '"
              + id
              + "' is not a valid RDS identifier (a letter, then letters, digits and single"
              + " hyphens, not ending in a hyphen, at most "
              + max
              + " characters)");
    }
    return id;
  }
}
