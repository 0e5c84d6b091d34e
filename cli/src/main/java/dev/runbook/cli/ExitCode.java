package dev.runbook.cli;

/** Every exit status of the {@code runbook} command. */
public enum ExitCode {
  OK(0),
  /** The run (or the thing checked) failed. */
  FAILED(1),
  /** Bad input: a flag, a parameter, a runbook or environment file. Nothing was started. */
  INVALID_INPUT(2),
  /** The world is not as expected (e.g. a run is not in a state that allows this). */
  UNEXPECTED_STATE(3),
  /** A bug in this program. */
  INTERNAL(4);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
