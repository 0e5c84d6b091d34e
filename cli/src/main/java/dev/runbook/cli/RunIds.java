package dev.runbook.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Readable run ids: {@code <runbook>-<env>-<ticket or yyyyMMdd-HHmmss>}, then -2, -3 if taken. */
final class RunIds {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private RunIds() {}

  static String base(String runbook, String env, String ticket, Instant now) {
    String last =
        ticket == null || ticket.isBlank()
            ? STAMP.format(now)
            : ticket.strip().replaceAll("[^A-Za-z0-9._-]+", "-");
    return runbook + "-" + env + "-" + last;
  }

  /** The n-th candidate: the base first, then base-2, base-3... */
  static String candidate(String base, int n) {
    return n <= 1 ? base : base + "-" + n;
  }
}
