package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.compile.Durations;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.sql.BackupTables;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTarget;
import dev.runbook.worker.sql.SqlTargets;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runbook backups list|prune}: the backup tables the engine made ({@code sql.backup}, {@code
 * backup: true}), read from each database's {@code runbook_backups} with the worker's SQL code
 * ({@link BackupTables}); no Temporal.
 */
@Command(
    name = "backups",
    mixinStandardHelpOptions = true,
    description = {
      "List or drop the backup tables the engine made.",
      "%nConnects to the environment's databases directly, with the worker's targets and"
          + " credentials (the local secrets provider reads secrets.file or the file"
          + " RUNBOOK_LOCAL_SECRETS names); no Temporal. Only tables recorded in the"
          + " database's runbook_backups are listed or dropped, never another table, whatever"
          + " its name."
    },
    subcommands = {BackupsCommand.ListBackups.class, BackupsCommand.Prune.class})
final class BackupsCommand implements Runnable {
  static final Duration MIN_AGE = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @ParentCommand Main main;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  CliContext context() {
    return main == null ? CliContext.system() : main.context();
  }

  /** The options and the database access both subcommands share. */
  abstract static class Base {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @ParentCommand BackupsCommand parent;

    @Option(
        names = "--environments",
        paramLabel = "DIR",
        description = "Directory of environment files (default: runbooks/environments).")
    Path environments = TaskQueues.DEFAULT_DIR;

    /** The worst exit code met so far (a database that failed). */
    ExitCode worst = ExitCode.OK;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    CliContext context() {
      return parent == null ? CliContext.system() : parent.context();
    }

    /** The databases selected by {@code env} (null: every environment) and {@code database}. */
    List<SqlTarget> targets(String env, String database) {
      Map<String, String> variables = context().env();
      LocalCredentialSource local =
          new LocalCredentialSource(
              () -> {
                String file = variables.get(LocalCredentialSource.VARIABLE);
                return file == null || file.isBlank() ? null : Path.of(file);
              });
      SqlTargets all;
      try {
        all = SqlTargets.fromDirectory(environments, Map.of(), local);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
      }
      TreeSet<String> names = new TreeSet<>();
      all.all().values().forEach(t -> names.add(t.environment()));
      if (env != null && !names.contains(env)) {
        throw new CliException(
            ExitCode.INVALID_INPUT,
            "no environment "
                + env
                + " with databases in "
                + environments
                + (names.isEmpty() ? "" : " (there: " + String.join(", ", names) + ")"));
      }
      if (env == null && database != null) {
        throw new CliException(ExitCode.INVALID_INPUT, "--database needs --env");
      }
      if (database != null) {
        try {
          return List.of(all.get(env, database));
        } catch (ApplicationFailure e) {
          throw new CliException(ExitCode.INVALID_INPUT, e.getOriginalMessage());
        }
      }
      List<SqlTarget> out = new ArrayList<>();
      all.all().values().stream()
          .filter(t -> env == null || t.environment().equals(env))
          .sorted(
              (a, b) ->
                  (a.environment() + "/" + a.name()).compareTo(b.environment() + "/" + b.name()))
          .forEach(out::add);
      if (out.isEmpty()) {
        throw new CliException(
            ExitCode.INVALID_INPUT, "no environment with databases in " + environments);
      }
      return out;
    }

    /** One line on stderr for a database that failed; the exit code remembers it. */
    void failed(ApplicationFailure e) {
      err().println("runbook: " + e.getOriginalMessage());
      err().flush();
      ExitCode code =
          "CONFIGURATION".equals(e.getType()) ? ExitCode.INVALID_INPUT : ExitCode.UNEXPECTED_STATE;
      if (code.code() > worst.code()) {
        worst = code;
      }
    }

    static BackupTables tables() {
      return new BackupTables(SqlSettings.defaults().withConnectTimeout(Duration.ofSeconds(5)));
    }
  }

  /** A backup with the database it is in. */
  record Found(SqlTarget target, BackupTables.Backup backup) {}

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "List the backup tables the engine made, oldest first.",
        "%nReads runbook_backups in each database (of --env, else of every environment) and"
            + " shows the recorded backup tables that exist: database, table, source table,"
            + " rows, size, when taken (UTC), run, step and checksum. A table not recorded"
            + " there is never shown, even when named like a backup."
      })
  static final class ListBackups extends Base implements Callable<Integer> {
    @Option(
        names = {"-e", "--env"},
        paramLabel = "ENV",
        description = "Only this environment's databases (default: every environment).")
    String env;

    @Option(names = "--database", paramLabel = "NAME", description = "Only this database of --env.")
    String database;

    @Option(
        names = "--older-than",
        paramLabel = "AGE",
        description = "Only backups at least this old, e.g. 30d, 12h, 90m.")
    String olderThan;

    @Option(
        names = "--format",
        defaultValue = "text",
        description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Override
    public Integer call() {
      Duration age = olderThan == null ? Duration.ZERO : age(olderThan, Duration.ZERO);
      List<Found> found = new ArrayList<>();
      int orphans = 0;
      try (BackupTables tables = tables()) {
        for (SqlTarget target : targets(env, database)) {
          try {
            for (BackupTables.Backup b : tables.records(target)) {
              if (b.ageSeconds() < age.toSeconds()) {
                continue;
              }
              if (b.exists()) {
                found.add(new Found(target, b));
              } else {
                orphans++;
              }
            }
          } catch (ApplicationFailure e) {
            failed(e);
          }
        }
      }
      if (format == OutputFormat.json) {
        out().println(DiagnosticPrinter.pretty(json(found)));
      } else if (found.isEmpty()) {
        out()
            .println(
                "no backup tables"
                    + (olderThan == null ? "" : " older than " + olderThan)
                    + (worst == ExitCode.OK ? "" : " in the databases that answered"));
      } else {
        table(found).forEach(out()::println);
        out().println(summary(found));
      }
      if (orphans > 0 && format == OutputFormat.text) {
        out()
            .println(
                orphans
                    + (orphans == 1 ? " record has" : " records have")
                    + " no table any more (an interrupted prune): `runbook backups prune`"
                    + (orphans == 1 ? " removes it" : " removes them"));
      }
      out().flush();
      return worst.code();
    }
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Drop the engine's backup tables older than an age.",
        "%nDrops only tables recorded in runbook_backups for --env and at least --older-than"
            + " old, each with its record: on PostgreSQL in one transaction; on MySQL/MariaDB"
            + " (DDL commits) the table first, then the record, so running prune again"
            + " finishes a prune that stopped half way. No table that is not recorded is ever"
            + " dropped. Prune does not ask Temporal whether a run still needs a backup"
            + " (sql.restore): choose an age beyond the longest run you keep, at least 1h."
            + " Asks for confirmation unless --yes; without a terminal it refuses."
      })
  static final class Prune extends Base implements Callable<Integer> {
    @Option(
        names = {"-e", "--env"},
        required = true,
        paramLabel = "ENV",
        description = "The environment whose databases to prune.")
    String env;

    @Option(
        names = "--database",
        paramLabel = "NAME",
        description = "Only this database (default: every database of --env).")
    String database;

    @Option(
        names = "--older-than",
        required = true,
        paramLabel = "AGE",
        description = "Drop backups at least this old, e.g. 30d or 12h (at least 1h).")
    String olderThan;

    @Option(names = "--dry-run", description = "Only list what would be dropped.")
    boolean dryRun;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() {
      Duration age = age(olderThan, MIN_AGE);
      try (BackupTables tables = tables()) {
        List<Found> found = new ArrayList<>();
        for (SqlTarget target : targets(env, database)) {
          try {
            for (BackupTables.Backup b : tables.records(target)) {
              if (b.ageSeconds() >= age.toSeconds()) {
                found.add(new Found(target, b));
              }
            }
          } catch (ApplicationFailure e) {
            failed(e);
          }
        }
        if (found.isEmpty()) {
          out().println("no backup tables older than " + olderThan);
          out().flush();
          return worst.code();
        }
        table(found).forEach(out()::println);
        out().println(summary(found));
        if (dryRun) {
          out().println("dry run: nothing was dropped");
          out().flush();
          return worst.code();
        }
        out().flush();
        if (!yes && !confirm(found.size())) {
          return ExitCode.FAILED.code();
        }
        int dropped = 0;
        for (Found f : found) {
          String name = f.backup().table();
          String where = f.target().environment() + "/" + f.target().name();
          try {
            if (tables.drop(f.target(), name, age)) {
              dropped++;
              out()
                  .println(
                      f.backup().exists()
                          ? "dropped " + name + " (" + where + ")"
                          : "removed the record of " + name + " (" + where + "; no table left)");
            } else {
              out().println("skipped " + name + " (" + where + "): no longer recorded as old");
            }
          } catch (ApplicationFailure e) {
            failed(e);
          }
          out().flush();
        }
        out().println("dropped " + dropped + " of " + found.size());
        out().flush();
        return worst.code();
      }
    }

    private boolean confirm(int count) {
      String what = count == 1 ? "1 backup table" : count + " backup tables";
      if (!interactive()) {
        throw new CliException(
            ExitCode.INVALID_INPUT,
            "not dropping "
                + what
                + " without confirmation: this is not an interactive terminal; check the list"
                + " above (or --dry-run) and pass --yes");
      }
      out().print("Drop " + what + " and their records? Type yes to go on: ");
      out().flush();
      String answer;
      try {
        answer =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      } catch (IOException e) {
        answer = null;
      }
      if (answer == null || !answer.strip().equalsIgnoreCase("yes")) {
        out().println("nothing was dropped");
        out().flush();
        return false;
      }
      return true;
    }
  }

  /** Whether a person can answer (a terminal; JDK 22+ also has a console when redirected). */
  static boolean interactive() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // JDK 21: a console exists only for a terminal
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /** {@code text} as an age of at least {@code min}; exit 2 otherwise. */
  static Duration age(String text, Duration min) {
    Duration age =
        Durations.parse(text)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCode.INVALID_INPUT,
                        "--older-than " + text + ": expected a duration such as 30d, 12h or 90m"));
    if (age.compareTo(min) < 0) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--older-than "
              + text
              + ": at least 1h (prune is for backups older than any run that could restore"
              + " them)");
    }
    return age;
  }

  static List<String> table(List<Found> found) {
    List<String[]> cells = new ArrayList<>();
    cells.add(
        new String[] {
          "DATABASE", "BACKUP TABLE", "SOURCE", "ROWS", "SIZE", "CREATED", "RUN", "STEP", "CHECKSUM"
        });
    for (Found f : found) {
      BackupTables.Backup b = f.backup();
      cells.add(
          new String[] {
            f.target().environment() + "/" + f.target().name(),
            b.table(),
            b.sourceTable(),
            String.valueOf(b.rows()),
            b.exists() ? size(b.bytes()) : "gone",
            b.createdAt(),
            b.runId(),
            b.stepId(),
            b.checksum().length() > 19 ? b.checksum().substring(0, 19) : b.checksum()
          });
    }
    int[] widths = new int[cells.get(0).length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (String[] row : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        boolean right = i == 3 || i == 4;
        line.append(i == 0 ? "" : "  ")
            .append(String.format("%" + (right ? "" : "-") + widths[i] + "s", row[i]));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  static String summary(List<Found> found) {
    long bytes = found.stream().mapToLong(f -> Math.max(0, f.backup().bytes())).sum();
    long tables = found.stream().filter(f -> f.backup().exists()).count();
    return (tables == 1 ? "1 backup table" : tables + " backup tables")
        + ", "
        + size(bytes)
        + (tables == found.size() ? "" : "; " + (found.size() - tables) + " record(s) only");
  }

  /** Bytes for people: {@code 512 B}, {@code 16 KiB}, {@code 1.5 MiB}. */
  static String size(long bytes) {
    if (bytes < 0) {
      return "-";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return Math.round(bytes / 1024.0) + " KiB";
    }
    if (bytes < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }

  static ArrayNode json(List<Found> found) {
    ArrayNode array = JSON.createArrayNode();
    for (Found f : found) {
      BackupTables.Backup b = f.backup();
      ObjectNode item = array.addObject();
      item.put("environment", f.target().environment());
      item.put("database", f.target().name());
      item.put("backupTable", b.table());
      item.put("sourceTable", b.sourceTable());
      item.put("rows", b.rows());
      item.put("bytes", b.bytes());
      item.put("createdAt", b.createdAt());
      item.put("runId", b.runId());
      item.put("stepId", b.stepId());
      item.put("checksum", b.checksum());
    }
    return array;
  }
}
