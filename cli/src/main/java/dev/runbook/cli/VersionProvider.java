package dev.runbook.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, and the language version it speaks. */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "runbook " + (version == null ? "development build" : version),
      "runbook language: runbook/v1, plan format: " + dev.runbook.engine.plan.Plan.FORMAT,
      "Java " + Runtime.version()
    };
  }
}
