package dev.runbook.engine.compile;

import dev.runbook.engine.spec.EnvironmentSpec;

/** An environment file that passed {@link EnvironmentValidator}. */
public final class ValidatedEnvironment {
  private final EnvironmentSpec spec;

  ValidatedEnvironment(EnvironmentSpec spec) {
    this.spec = spec;
  }

  public EnvironmentSpec spec() {
    return spec;
  }

  public String name() {
    return spec.name();
  }
}
