package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.runbook.engine.compile.Durations;
import dev.runbook.worker.ConnectionOptions;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.audit.AuditOptions;
import dev.runbook.worker.audit.AuditReader;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.AuditStoreException;
import dev.runbook.worker.audit.RunAudit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook audit}: what a run did, for an auditor; or an overview of recent runs. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Report who ran what and why, and what it changed.",
      "%nReads the run from Temporal history while it exists (the plan is the workflow's input,"
          + " decisions and step results are in its history), else from the audit store, which"
          + " the worker writes as runs go and which outlives Temporal's retention. Shows who"
          + " launched what and why (ticket), the exact plan and its hash, each step with times"
          + " and outcome, every approval and refusal with identity and comment, the SQL that"
          + " ran and the rows it touched, the snapshots, backups and instances created and"
          + " whether each was cleaned up, and the final status. Bind values and credential-named"
          + " values are shown as [redacted]."
          + "%n%n--list prints an overview of recent runs from the audit store."
          + "%n%nExit codes: 0 report written, 2 bad flags or unknown run, 3 Temporal or the"
          + " audit store unreachable."
    })
final class AuditCommand extends ClientCommand implements Callable<Integer> {
  /** Output formats of the report. */
  enum Format {
    md,
    json,
    html
  }

  /** Where to read a run. */
  enum Source {
    auto,
    temporal,
    store
  }

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "The run id.")
  String run;

  @Option(
      names = "--format",
      defaultValue = "md",
      description = "Report format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the report to FILE instead of the output.")
  Path outFile;

  @Option(
      names = "--from",
      defaultValue = "auto",
      description =
          "Where to read the run: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: Temporal"
              + " while it has the run, else the audit store).")
  Source from;

  @Option(
      names = "--no-plan",
      description = "Leave the plan's JSON out of the report (its hash stays).")
  boolean noPlan;

  @Option(names = "--list", description = "List recent runs from the audit store instead.")
  boolean list;

  @Option(
      names = "--since",
      paramLabel = "AGE",
      defaultValue = "7d",
      description = "With --list: runs started within AGE (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(
      names = "--env",
      paramLabel = "ENV",
      description = "With --list: only runs asked for this environment.")
  String env;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "With --list: at most N runs (default: ${DEFAULT-VALUE}).")
  int limit;

  @Mixin AuditOptions audit = new AuditOptions();

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    if (list) {
      if (run != null) {
        throw new CliException(ExitCode.INVALID_INPUT, "--list takes no RUN");
      }
      return list();
    }
    if (run == null) {
      throw new CliException(ExitCode.INVALID_INPUT, "give a RUN, or --list for recent runs");
    }
    RunAudit report = read(run);
    String text =
        switch (format) {
          case md -> AuditMarkdown.render(report, !noPlan);
          case json -> AuditJson.render(report, !noPlan);
          case html -> AuditHtml.render(report, !noPlan);
        };
    emit(text);
    return ExitCode.OK.code();
  }

  private RunAudit read(String id) {
    List<String> looked = new ArrayList<>();
    if (from != Source.store) {
      try (TemporalConnection temporal = connect()) {
        Optional<RunAudit> found = AuditFromHistory.read(new Runs(temporal), id);
        if (found.isPresent()) {
          return found.get();
        }
        looked.add("Temporal (namespace " + temporal.namespace() + ")");
      } catch (dev.runbook.worker.ConnectionFailedException e) {
        if (from == Source.temporal || storeConfig(false) == null) {
          throw e; // nowhere else to look: exit 3
        }
        looked.add("Temporal (unreachable)");
      }
    }
    if (from != Source.temporal) {
      AuditStoreConfig config = storeConfig(from == Source.store || looked.isEmpty());
      if (config != null) {
        try (AuditStore store = AuditStore.openForReading(config)) {
          Optional<RunAudit> found = new AuditReader(store).read(id);
          if (found.isPresent()) {
            return found.get();
          }
          looked.add("the audit store");
        } catch (AuditStoreException e) {
          throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
        }
      } else {
        throw new CliException(
            ExitCode.INVALID_INPUT,
            "no run "
                + id
                + " in "
                + String.join(", nor in ", looked)
                + "; no audit store to look in (--audit-db-url)");
      }
    }
    throw new CliException(
        ExitCode.INVALID_INPUT, "no run " + id + " in " + String.join(", nor in ", looked));
  }

  private int list() {
    if (format == Format.html) {
      throw new CliException(ExitCode.INVALID_INPUT, "--format html: --list prints md or json");
    }
    Duration age =
        Durations.parse(since)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "--since " + since + ": expected a duration such as 7d, 12h or 90m"));
    if (limit < 1) {
      throw new CliException(ExitCode.INVALID_INPUT, "--limit " + limit + ": at least 1");
    }
    AuditStoreConfig config = storeConfig(true);
    List<AuditReader.RunLine> lines;
    try (AuditStore store = AuditStore.openForReading(config)) {
      lines = new AuditReader(store).list(Instant.now().minus(age), env, limit);
    } catch (AuditStoreException e) {
      throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
    }
    if (format == Format.json) {
      ArrayNode array = AuditJson.MAPPER.valueToTree(lines);
      emit(array.toPrettyString() + "\n");
    } else {
      emit(AuditList.render(lines, since, env));
    }
    return ExitCode.OK.code();
  }

  /** The store the flags name; exit 2 when {@code required} and none is named. */
  private AuditStoreConfig storeConfig(boolean required) {
    AuditStoreConfig config;
    try {
      config = audit.config(context().env());
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    if (config == null && required) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "no audit store: pass --audit-db-url or set "
              + AuditStoreConfig.URL_VARIABLE
              + " (runbook dev prints the values for its own)");
    }
    return config;
  }

  private void emit(String text) {
    if (outFile == null) {
      out().print(text);
      out().flush();
      return;
    }
    try {
      Files.writeString(outFile, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--out " + outFile + ": cannot write it (" + e.getMessage() + ")");
    }
    out().println("wrote " + outFile);
    out().flush();
  }
}
