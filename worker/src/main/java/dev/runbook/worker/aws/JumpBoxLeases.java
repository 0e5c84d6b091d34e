package dev.runbook.worker.aws;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The leases on an instance, read from its tags: {@code runbook:lease:<run id>} = {@code <user>
 * until <ISO-8601 instant>}. Every {@code aws.ec2.start} adds one for its run; a stop removes its
 * own and stops the instance only when no unexpired lease of another run or tunnel remains. A value
 * that cannot be read counts as unexpired (never stop under someone by mistake).
 *
 * @param active {@code key -> value} of the leases still holding
 * @param expired keys of leases past their time (removed by the stop)
 */
record JumpBoxLeases(Map<String, String> active, List<String> expired) {

  /** The tag value of a lease. */
  static String value(String user, Instant until) {
    return Tags.value(user + " until " + until);
  }

  /** The leases among {@code tags} at {@code now}, leaving out {@code ownKey}. */
  static JumpBoxLeases of(Map<String, String> tags, String ownKey, Instant now) {
    Map<String, String> active = new java.util.TreeMap<>();
    List<String> expired = new ArrayList<>();
    tags.forEach(
        (key, value) -> {
          if (!key.startsWith(Tags.LEASE_PREFIX) || key.equals(ownKey)) {
            return;
          }
          Instant until = until(value);
          if (until != null && !until.isAfter(now)) {
            expired.add(key);
          } else {
            active.put(key, value);
          }
        });
    return new JumpBoxLeases(active, expired);
  }

  /** {@code <run> (<user> until <instant>)} for each active lease. */
  List<String> describeActive() {
    List<String> out = new ArrayList<>();
    active.forEach(
        (key, value) -> out.add(key.substring(Tags.LEASE_PREFIX.length()) + " (" + value + ")"));
    return out;
  }

  /** The instant of a lease value, or null when it cannot be read. */
  static Instant until(String value) {
    int at = value == null ? -1 : value.lastIndexOf(" until ");
    if (at < 0) {
      return null;
    }
    try {
      return Instant.parse(value.substring(at + " until ".length()).strip());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
