package dev.runbook.cli;

import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.worker.CloudSteps;
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
import dev.runbook.worker.sql.LocalCredentialSource;
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
 * {@code runbook demo}: Temporal, a worker, an embedded PostgreSQL with seeded tables, and two runs
 * of runbooks/emergency-data-fix.yaml through stage and prod, driven through the same commands
 * people type, as a transcript that checks itself (rows, undos, audit).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Show a data fix end to end: preview, four eyes, promote, undo.",
      "%nStarts Temporal's test server on a free port of 127.0.0.1, an embedded PostgreSQL on"
          + " a free port and a worker in this process. PostgreSQL holds the audit store and two"
          + " seeded databases playing `stage` and `prod` (environment files with provider"
          + " local, written to the demo's temporary directory). Then, through the same commands"
          + " people type: carol launches runbooks/emergency-data-fix.yaml; the gate shows the"
          + " previewed rows; carol's own approvals are refused; bob and alice approve; the fix"
          + " is backed up, applied with expectRows and verified on stage, promoted, and applied"
          + " on prod. A second fix matches 1 row on stage but 2 on prod: prod stops before"
          + " changing anything and stage's rows are restored from the backup. Then status,"
          + " list and the audit report. Prints the transcript; exit 0 when everything behaved"
          + " as expected (the rows are checked in the databases)."
    })
final class DemoCommand implements Callable<Integer> {
  static final String LAUNCHER = "carol";
  static final String REVIEWER = "bob";
  static final String LEAD = "alice";
  static final String FIRST = "emergency-data-fix-prod-DEMO-1";
  static final String SECOND = "emergency-data-fix-prod-DEMO-2";

  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Option(
      names = "--runbook",
      paramLabel = "FILE",
      description = "The demo runbook (default: ${DEFAULT-VALUE}).",
      defaultValue = "runbooks/emergency-data-fix.yaml")
  Path file;

  private PrintWriter out;
  private String address;
  private CliContext context;
  private DemoData data;
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
    StopSignal stop = context.stop();
    stop.arm(Duration.ofSeconds(RunbookWorker.STOP_SECONDS + 10));
    try (LocalTemporal server = LocalTemporal.start(0);
        TemporalConnection connection =
            TemporalTarget.local(server.port(), "runbook demo").connect();
        LocalPostgres postgres = DemoData.startPostgres();
        AuditStore audit = AuditStore.open(LocalAuditStore.config(postgres))) {
      LocalTemporal.registerSearchAttributes(connection);
      data = DemoData.seed(postgres);
      RunbookWorker worker =
          RunbookWorker.start(
              connection.client(),
              true,
              TaskQueues.of(data.environments()),
              CloudSteps.fromDirectory(
                      notifications::add,
                      data.environments(),
                      Map.of(),
                      new LocalCredentialSource(postgres.secretsFile()))
                  ::get,
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
    } catch (LocalPostgresException | AuditStoreException | IllegalArgumentException e) {
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
    say("Runbook engine demo: an emergency data fix, stage then prod");
    say("");
    say("In this process: Temporal's test server on " + address + " (in memory, loopback");
    say("only), a worker, and an embedded PostgreSQL " + data.version() + " whose databases");
    say("demo_stage and demo_prod play the `platform` database of stage and prod. Their");
    say("environment files (provider local: no AWS; snapshots are database copies) are in");
    say("$DEMO/environments, DEMO=" + data.directory() + ".");
    say("carol is on call and launches; alice and bob are db-leads, who review changes;");
    say("stage and prod refuse a launcher's own approval (four eyes). The commands below");
    say("are the ones you would type, with TEMPORAL_ADDRESS=" + address);
    say("and RUNBOOK_USER set as shown (and RUNBOOK_AUDIT_DB_* naming the audit store).");
    say("");
    say("The table both databases were seeded with (prod has one more Globex invoice):");
    Map<String, List<String>> seeded = data.rows();
    show(seeded);

    section("1. A fix that goes through: preview, four eyes, stage, promote, prod");
    say("Customer ACME's 2 open invoices must be voided (ticket DEMO-1).");
    say("");
    int code =
        command(
            LAUNCHER,
            (id, gate) -> {
              switch (gate.id()) {
                case "stage/fix" -> {
                  say("");
                  say("  (carol, in another terminal, tries to approve the change herself:)");
                  expect(
                      "carol's approval of stage/fix is refused",
                      nested(LAUNCHER, "approve", id, "--gate", gate.id()),
                      ExitCode.INVALID_INPUT);
                  say("  (bob, a db-lead, read the preview above and approves:)");
                  expect(
                      "bob's approval of stage/fix is counted",
                      nested(
                          REVIEWER,
                          "approve",
                          id,
                          "--gate",
                          gate.id(),
                          "--comment",
                          "2 ACME rows, as in the ticket"),
                      ExitCode.OK);
                  say("");
                }
                case "promote@prod" -> {
                  say("");
                  expect(
                      "carol's promotion is refused",
                      nested(LAUNCHER, "approve", id, "--gate", gate.id()),
                      ExitCode.INVALID_INPUT);
                  expect(
                      "alice's promotion is counted",
                      nested(LEAD, "approve", id, "--gate", gate.id()),
                      ExitCode.OK);
                  say("");
                }
                default -> {
                  say("");
                  expect(
                      "bob's approval of " + gate.id() + " is counted",
                      nested(REVIEWER, "approve", id, "--gate", gate.id()),
                      ExitCode.OK);
                  say("");
                }
              }
            },
            fix("DEMO-1", "ACME", 2));
    expect("run 1 completes", code, ExitCode.OK);
    showNotifications();
    say("");
    say("The databases now (ACME's invoices 1 and 2 are void on stage and on prod):");
    Map<String, List<String>> afterFirst = data.rows();
    show(afterFirst);
    checkFirst(seeded, afterFirst);

    section("2. A fix that fails in prod: stage is put back from its backup");
    say("Globex has 1 open invoice on stage but 2 on prod; the fix expects 1 row (DEMO-2).");
    say("");
    code =
        command(
            LAUNCHER,
            (id, gate) -> {
              say("");
              String approver = gate.id().startsWith("promote") ? LEAD : REVIEWER;
              expect(
                  approver + "'s approval of " + gate.id() + " in run 2 is counted",
                  nested(approver, "approve", id, "--gate", gate.id()),
                  ExitCode.OK);
              say("");
            },
            fix("DEMO-2", "Globex", 1));
    expect("run 2 fails", code, ExitCode.FAILED);
    showNotifications();
    say("");
    say("The databases now: exactly as before run 2 (stage's Globex invoice is open again,");
    say("prod was never changed):");
    Map<String, List<String>> afterSecond = data.rows();
    show(afterSecond);
    if (!afterSecond.equals(afterFirst)) {
      unexpected.add("run 2 left the rows changed: " + afterSecond + ", not " + afterFirst);
    }

    section("3. What happened, for the on-call and the audit");
    expect("status works", command(REVIEWER, (id, gate) -> {}, "status", SECOND), ExitCode.OK);
    say("");
    expect("list works", command(REVIEWER, (id, gate) -> {}, "list"), ExitCode.OK);
    say("");
    say("The before-images the runs backed up (kept for restores; `backups prune` drops old");
    say("ones):");
    say("");
    expect(
        "backups list works",
        command(
            REVIEWER,
            (id, gate) -> {},
            "backups",
            "list",
            "--environments",
            data.environments().toString()),
        ExitCode.OK);
    check(connection);

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
        command(REVIEWER, (id, gate) -> {}, "audit", FIRST, "--no-plan"),
        ExitCode.OK);
  }

  /** The arguments of `run` for one fix: void a customer's open invoices. */
  private String[] fix(String ticket, String customer, int expectRows) {
    return new String[] {
      "run",
      file.toString(),
      "--env",
      "prod",
      "--environments",
      data.environments().toString(),
      "-p",
      "database=platform",
      "-p",
      "change=UPDATE invoices SET status = 'void' WHERE customer = :customer AND status = 'open'",
      "-p",
      "bind={\"customer\": \"" + customer + "\"}",
      "-p",
      "expectRows=" + expectRows,
      "-p",
      "verify=SELECT id FROM invoices WHERE customer = :customer AND status = 'open'",
      "-p",
      "ticket=" + ticket
    };
  }

  /** Run 1 changed exactly ACME's open invoices, on both databases, and nothing else. */
  private void checkFirst(Map<String, List<String>> before, Map<String, List<String>> after) {
    Map<String, List<String>> expected = new java.util.LinkedHashMap<>();
    before.forEach(
        (database, rows) ->
            expected.put(
                database,
                rows.stream()
                    .map(r -> r.contains(" ACME ") ? r.replace(" open ", " void ") : r)
                    .toList()));
    if (!after.equals(expected)) {
      unexpected.add("run 1 left " + after + ", expected " + expected);
    }
  }

  private void show(Map<String, List<String>> rows) {
    rows.forEach(
        (database, lines) -> {
          say("  " + database + ":  " + DemoData.HEADER);
          lines.forEach(line -> say("  " + " ".repeat(database.length()) + "   " + line));
        });
  }

  /** The audit store holds both runs as they ended, with bob's approval. */
  private void checkStore(AuditStore audit) {
    AuditReader reader = new AuditReader(audit);
    for (String[] expected :
        List.of(new String[] {FIRST, "COMPLETED"}, new String[] {SECOND, "FAILED"})) {
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
  private void check(TemporalConnection connection) {
    Runs runs = new Runs(connection);
    RunView one = runs.snapshot(FIRST).view();
    RunView two = runs.snapshot(SECOND).view();
    if (one == null || one.status() != RunStatus.COMPLETED) {
      unexpected.add(FIRST + " is " + (one == null ? "gone" : one.status()) + ", not COMPLETED");
    } else {
      List<String> applied =
          one.steps().stream()
              .filter(s -> s.stepId().equals("fix") && s.outcome() == StepOutcome.COMPLETED)
              .map(s -> s.environment())
              .toList();
      if (!applied.equals(List.of("stage", "prod"))) {
        unexpected.add(FIRST + " applied its fix in " + applied + ", not [stage, prod]");
      }
    }
    if (two == null || two.status() != RunStatus.FAILED) {
      unexpected.add(SECOND + " is " + (two == null ? "gone" : two.status()) + ", not FAILED");
      return;
    }
    List<String> undone =
        two.compensations().stream()
            .filter(c -> c.outcome() == StepOutcome.COMPLETED)
            .map(c -> c.environment() + "/" + c.forStep() + " " + c.uses())
            .toList();
    if (!undone.equals(List.of("stage/fix sql.restore"))) {
      unexpected.add(SECOND + " undid " + undone + ", not [stage/fix sql.restore]");
    }
    boolean reported =
        two.steps().stream()
            .anyMatch(s -> s.stepId().equals("notify") && s.outcome() == StepOutcome.COMPLETED);
    if (!reported) {
      unexpected.add(SECOND + " did not run its finally step");
    }
  }

  /** What the notify steps sent during the last run, in order. */
  private void showNotifications() {
    say("");
    say("notifications (stage and prod of the demo set no Slack webhook: the worker's log):");
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

  /** The arguments as a shell line; the demo's directory reads $DEMO. */
  private String quote(String... args) {
    List<String> quoted = new ArrayList<>();
    for (String arg : args) {
      if (data != null) {
        arg = arg.replace(data.directory().toString(), "$DEMO");
      }
      if (arg.matches("[A-Za-z0-9._/=@:,+$-]+")) {
        quoted.add(arg.startsWith("$") ? "\"" + arg + "\"" : arg);
      } else if (!arg.contains("'")) {
        quoted.add("'" + arg + "'");
      } else {
        quoted.add("\"" + arg.replaceAll("([\"\\\\`$])", "\\\\$1") + "\"");
      }
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
