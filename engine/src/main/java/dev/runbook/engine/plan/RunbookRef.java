package dev.runbook.engine.plan;

import java.util.List;

/** Which runbook a plan was compiled from: name, version and the sha256 of its file's bytes. */
public record RunbookRef(
    String name, int version, String sha256, String description, List<String> owners) {
  public RunbookRef {
    owners = List.copyOf(owners);
  }
}
