package dev.runbook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version from the jar manifest and the git revision it was built from (written at build time
 * into {@code runbook-git.properties}), and the language version it speaks.
 */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "runbook " + (version == null ? "development build" : version) + " (" + revision() + ")",
      "runbook language: runbook/v1, plan format: " + dev.runbook.engine.plan.Plan.FORMAT,
      "Java " + Runtime.version()
    };
  }

  /** {@code git 1a2b3c4 2026-12-06T19:00:00Z}, {@code -dirty} when built from changed files. */
  static String revision() {
    Properties git = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("/runbook-git.properties")) {
      if (in != null) {
        git.load(in);
      }
    } catch (IOException e) {
      // no revision to show
    }
    String id = git.getProperty("git.commit.id.abbrev", "");
    if (id.isBlank()) {
      return "git revision unknown";
    }
    String time = git.getProperty("git.commit.time", "");
    return "git "
        + id
        + ("true".equals(git.getProperty("git.dirty")) ? "-dirty" : "")
        + (time.isBlank() ? "" : " " + time.replace("+00:00", "Z"));
  }
}
