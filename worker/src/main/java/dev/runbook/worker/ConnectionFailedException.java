package dev.runbook.worker;

/** Temporal could not be reached or refused the connection; the message is one line for people. */
public final class ConnectionFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConnectionFailedException(String message) {
    super(message, null, false, false);
  }
}
