package dev.runbook.worker.audit;

/** The audit store cannot be reached or used; the message is one line, without secrets. */
public final class AuditStoreException extends RuntimeException {
  public AuditStoreException(String message) {
    super(message);
  }

  /** The first line of a driver's message, with the password masked should it appear. */
  static String firstLine(String message, String password) {
    String line = message == null ? "unknown error" : message.strip().split("\\R", 2)[0];
    if (password != null && !password.isEmpty()) {
      line = line.replace(password, "****");
    }
    return line;
  }
}
