package dev.runbook.cli;

import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.StopSignal;
import dev.runbook.worker.TaskQueues;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import dev.runbook.worker.audit.AuditReader;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.AuditStoreException;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.audit.LocalAuditStore;
import dev.runbook.worker.audit.RunAudit;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalPostgresException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code runbook demo}: Temporal, a worker and two runs of runbooks/demo.yaml in this process,
 * driven through the same commands people type, as a transcript.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Show a run end to end: four eyes, approval, failure, undo.",
      "%nStarts Temporal's test server on a free port of 127.0.0.1 and a worker in this"
          + " process, then runs runbooks/demo.yaml twice on `local` through the same commands"
          + " people type: carol launches, her own approval is refused, bob approves, the run"
          + " completes; then a run whose check fails, undoes its announcement and runs"
          + " finally; then the audit report of the first run. An embedded PostgreSQL on a free"
          + " port holds the audit store. Prints the transcript; exit 0 when everything behaved"
          + " as expected."
    })
final class DemoCommand implements Callable<Integer> {
  static final String LAUNCHER = "carol";
  static final String REVIEWER = "bob";

  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Option(
      names = "--runbook",
      paramLabel = "FILE",
      description = "The demo runbook (default: ${DEFAULT-VALUE}).",
      defaultValue = "runbooks/demo.yaml")
  Path file;

  private PrintWriter out;
  private String address;
  private CliContext context;
  private Map<String, String> auditVariables = Map.of();
  private final List<String> unexpected = new ArrayList<>();
  private final List<String> notifications = new CopyOnWriteArrayList<>();

  @Override
  public Integer call() {
    context = main == null ? CliContext.system() : main.context();
    out = spec.commandLine().getOut();
    if (!Files.isRegularFile(file)) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          file + ": no such file; run the demo from the repository root, or pass --runbook");
    }
    Path environments = Compilation.environmentsDirectory(file, null);
    String queue;
    try {
      queue = TaskQueues.of(environments, "local");
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
    StopSignal stop = context.stop();
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try (LocalTemporal server = LocalTemporal.start(0);
        TemporalConnection connection =
            TemporalTarget.local(server.port(), "runbook demo").connect();
        LocalPostgres postgres = startAuditDatabase();
        AuditStore audit = AuditStore.open(LocalAuditStore.config(postgres))) {
      LocalTemporal.registerSearchAttributes(connection);
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              Map.of("local", queue),
              RunbookWorker.availableActivities(notifications::add),
              new JdbcAuditActivities(audit));
      address = server.address();
      AuditStoreConfig config = LocalAuditStore.config(postgres);
      auditVariables =
          Map.of(
              AuditStoreConfig.URL_VARIABLE,
              config.url(),
              AuditStoreConfig.USER_VARIABLE,
              config.user(),
              AuditStoreConfig.PASSWORD_FILE_VARIABLE,
              LocalAuditStore.writePasswordFile(postgres, config).toString());
      try {
        transcript(connection);
        checkStore(audit);
      } finally {
        worker.close();
      }
    } catch (LocalPostgresException | AuditStoreException e) {
      throw new CliException(ExitCode.UNEXPECTED_STATE, e.getMessage());
    } finally {
      stop.done();
    }
    say("");
    if (unexpected.isEmpty()) {
      say("The demo behaved as expected.");
      return ExitCode.OK.code();
    }
    unexpected.forEach(u -> say("unexpected: " + u));
    return ExitCode.FAILED.code();
  }

  private void transcript(TemporalConnection connection) {
    say("Runbook engine demo");
    say("");
    say("In this process: Temporal's test server on " + address + " (in memory, loopback");
    say("only) and one worker for the control queue and runbook-local. The worker");
    say("implements every step type (notify writes its text here, as no Slack webhook is");
    say("set for local; `runbook dev` runs the SQL steps on its PostgreSQL). " + file);
    say("needs no database:");
    say("it uses approval, wait, assert and notify only. carol is on call and launches;");
    say("alice and bob are db-leads, the team that reviews on local. The commands below");
    say("are the ones you would type, with TEMPORAL_ADDRESS=" + address);
    say("and RUNBOOK_USER set as shown (and RUNBOOK_AUDIT_DB_* naming the audit store).");
    String first = "demo-local-DEMO-1";
    String second = "demo-local-DEMO-2";

    section("1. A run that completes: four eyes, then the steps");
    int code =
        command(
            LAUNCHER,
            (id, gate) -> {
              say("");
              say("  (meanwhile, in another terminal, carol tries to approve her own run:)");
              expect(
                  "carol's own approval is refused",
                  nested(LAUNCHER, "approve", id, "--gate", gate.id()),
                  ExitCode.INVALID_INPUT);
              say("  (local allows self-approval, so the runbook names a team carol is not in;");
              say("  stage and prod refuse a launcher's own approval in any team: four eyes.)");
              say("  (a second person, bob of db-leads, approves:)");
              expect(
                  "bob's approval is counted",
                  nested(REVIEWER, "approve", id, "--gate", gate.id(), "--comment", "looks right"),
                  ExitCode.OK);
              say("");
            },
            "run",
            file.toString(),
            "--env",
            "local",
            "-p",
            "ticket=DEMO-1");
    expect("run 1 completes", code, ExitCode.OK);
    showNotifications();

    section("2. A run whose check fails: the undo and finally still run");
    code =
        command(
            LAUNCHER,
            (id, gate) -> {
              say("");
              expect(
                  "bob's approval of run 2 is counted",
                  nested(REVIEWER, "approve", id, "--gate", gate.id()),
                  ExitCode.OK);
              say("");
            },
            "run",
            file.toString(),
            "--env",
            "local",
            "-p",
            "ticket=DEMO-2",
            "-p",
            "fail=true");
    expect("run 2 fails", code, ExitCode.FAILED);
    showNotifications();

    section("3. What happened, for the audit");
    expect("status works", command(REVIEWER, (id, gate) -> {}, "status", second), ExitCode.OK);
    say("");
    expect("list works", command(REVIEWER, (id, gate) -> {}, "list"), ExitCode.OK);
    check(connection, first, second);

    section("4. The audit report, for a manager or a ticket");
    say("The worker wrote both runs to the audit store (a database of the embedded");
    say("PostgreSQL) as they went; it outlives Temporal's history. The overview:");
    say("");
    expect(
        "audit --list works",
        command(REVIEWER, (id, gate) -> {}, "audit", "--list", "--since", "1h"),
        ExitCode.OK);
    say("");
    say("The report of the first run (without --no-plan it ends with the exact plan as JSON;");
    say("--format html gives one page to attach to a ticket):");
    say("");
    expect(
        "audit works",
        command(REVIEWER, (id, gate) -> {}, "audit", first, "--no-plan"),
        ExitCode.OK);
  }

  /** An embedded PostgreSQL on a free port holding only the audit store. */
  private static LocalPostgres startAuditDatabase() {
    return LocalPostgres.start(
        new LocalPostgres.Options(0, List.of(LocalAuditStore.DATABASE), null));
  }

  /** The audit store holds both runs as they ended, with bob's approval. */
  private void checkStore(AuditStore audit) {
    AuditReader reader = new AuditReader(audit);
    for (String[] expected :
        List.of(
            new String[] {"demo-local-DEMO-1", "COMPLETED"},
            new String[] {"demo-local-DEMO-2", "FAILED"})) {
      Optional<RunAudit> stored = reader.read(expected[0]);
      if (stored.isEmpty() || !stored.get().status().equals(expected[1])) {
        unexpected.add(
            "the audit store has "
                + expected[0]
                + " "
                + stored.map(RunAudit::status).orElse("nowhere")
                + ", not "
                + expected[1]);
      } else if (stored.get().approvals().stream().noneMatch(a -> a.approver().equals(REVIEWER))) {
        unexpected.add("the audit store has no approval by " + REVIEWER + " of " + expected[0]);
      }
    }
  }

  /** Checks the runs' records, not just exit codes. */
  private void check(TemporalConnection connection, String first, String second) {
    Runs runs = new Runs(connection);
    RunView one = runs.snapshot(first).view();
    RunView two = runs.snapshot(second).view();
    if (one == null || one.status() != RunStatus.COMPLETED) {
      unexpected.add(first + " is " + (one == null ? "gone" : one.status()) + ", not COMPLETED");
    }
    if (two == null || two.status() != RunStatus.FAILED) {
      unexpected.add(second + " is " + (two == null ? "gone" : two.status()) + ", not FAILED");
      return;
    }
    List<String> undone =
        two.compensations().stream()
            .filter(c -> c.outcome() == StepOutcome.COMPLETED)
            .map(CompensationRecord::forStep)
            .toList();
    if (!undone.equals(List.of("announce"))) {
      unexpected.add(second + " undid " + undone + ", not [announce]");
    }
    boolean reported =
        two.steps().stream()
            .anyMatch(s -> s.stepId().equals("report") && s.outcome() == StepOutcome.COMPLETED);
    if (!reported) {
      unexpected.add(second + " did not run its finally step");
    }
  }

  /** What the notify steps sent during the last run, in order. */
  private void showNotifications() {
    say("");
    say("notifications the worker wrote (Slack receives them once it is implemented):");
    List<String> sent = List.copyOf(notifications);
    notifications.removeAll(sent);
    sent.forEach(line -> say("  " + line));
  }

  private void section(String title) {
    say("");
    say("== " + title);
    say("");
  }

  private void expect(String what, int code, ExitCode expected) {
    if (code != expected.code()) {
      unexpected.add(what + ": exit " + code + ", expected " + expected.code());
    }
  }

  /** Runs a command as {@code user}, echoing it; gates of a followed run go to {@code onGate}. */
  private int command(String user, CliContext.GateListener onGate, String... args) {
    say("$ RUNBOOK_USER=" + user + " runbook " + quote(args));
    int code = Main.execute(out, out, as(user).withGateListener(onGate), args);
    out.flush();
    if (code != 0) {
      say("(exit " + code + ")");
    }
    return code;
  }

  /** A command typed in a second terminal while a run is followed: indented. */
  private int nested(String user, String... args) {
    PrintWriter indented = new PrintWriter(new Indent(out, "  "), true);
    indented.println("$ RUNBOOK_USER=" + user + " runbook " + quote(args));
    int code = Main.execute(indented, indented, as(user), args);
    if (code != 0) {
      indented.println("(exit " + code + ")");
    }
    indented.flush();
    return code;
  }

  private CliContext as(String user) {
    Map<String, String> env = new java.util.LinkedHashMap<>(auditVariables);
    env.put("RUNBOOK_USER", user);
    env.put("TEMPORAL_ADDRESS", address);
    return new CliContext(Map.copyOf(env), context.stop(), (id, gate) -> {});
  }

  private static String quote(String... args) {
    List<String> quoted = new ArrayList<>();
    for (String arg : args) {
      quoted.add(arg.matches("[A-Za-z0-9._/=@:,+-]+") ? arg : "'" + arg + "'");
    }
    return String.join(" ", quoted);
  }

  private void say(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** Prefixes every line written through it. */
  private static final class Indent extends Writer {
    private final PrintWriter target;
    private final String prefix;
    private boolean lineStart = true;

    Indent(PrintWriter target, String prefix) {
      this.target = target;
      this.prefix = prefix;
    }

    @Override
    public void write(char[] buffer, int offset, int length) {
      synchronized (target) {
        for (int i = offset; i < offset + length; i++) {
          if (lineStart) {
            target.write(prefix);
            lineStart = false;
          }
          target.write(buffer[i]);
          if (buffer[i] == '\n') {
            lineStart = true;
          }
        }
      }
    }

    @Override
    public void flush() {
      target.flush();
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
