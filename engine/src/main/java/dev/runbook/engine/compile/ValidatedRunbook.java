package dev.runbook.engine.compile;

import dev.runbook.engine.spec.RunbookSpec;

/** A runbook that passed every check of {@link RunbookValidator}; only it can be compiled. */
public final class ValidatedRunbook {
  private final RunbookSpec spec;

  ValidatedRunbook(RunbookSpec spec) {
    this.spec = spec;
  }

  public RunbookSpec spec() {
    return spec;
  }
}
