package dev.runbook.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Who is acting: {@code RUNBOOK_USER} when set, else {@code <os user>@<host>}. Sent as the Temporal
 * client identity, and as the launcher or approver of a run.
 */
public final class Identity {
  /** The environment variable that names the person acting (e.g. {@code alice}). */
  public static final String VARIABLE = "RUNBOOK_USER";

  private Identity() {}

  public static String resolve(Map<String, String> env) {
    String user = env.get(VARIABLE);
    if (user != null && !user.isBlank()) {
      return user.strip();
    }
    return System.getProperty("user.name", "unknown") + "@" + host(env);
  }

  private static String host(Map<String, String> env) {
    String host = env.get("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
