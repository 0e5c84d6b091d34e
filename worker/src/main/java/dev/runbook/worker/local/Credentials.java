package dev.runbook.worker.local;

/** A user name and its password; {@link #toString()} never shows the password. */
public record Credentials(String username, String password) {
  @Override
  public String toString() {
    return "Credentials[username=" + username + ", password=***]";
  }
}
