package dev.runbook.worker.local;

/** The embedded PostgreSQL could not start; the message is one line. */
public final class LocalPostgresException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean portTaken;

  LocalPostgresException(String message, boolean portTaken) {
    super(message);
    this.portTaken = portTaken;
  }

  /** True when the port is in use by someone else. */
  public boolean portTaken() {
    return portTaken;
  }
}
