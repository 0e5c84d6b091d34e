package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.worker.RunbookWorker;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.audit.LocalAuditStore;
import dev.runbook.worker.local.LocalPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code runbook audit}: reports of two real runs (one approved, one rejected and undone) on the
 * Temporal test server, whose worker writes a real audit store on the embedded PostgreSQL. The
 * Markdown and JSON reports are compared with golden files (times and hashes normalised; {@code
 * -Daudit.updateGolden=true} rewrites them), the HTML report is rendered by a real headless
 * Chromium, and a canary bound value appears in no report.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuditCommandTest {
  static final String CANARY = "canary-7c21@example.com";
  static final String APPROVED = "audit-demo-local-OPS-42";
  static final String REJECTED = "audit-demo-local-OPS-43";

  static final String RUNBOOK =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata:
        name: audit-demo
        version: 2
        description: Close one open invoice, with a backup and a review
        owners: [db-team]
      params:
        ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$', required: true }
        bind: { type: map }
      environments: [local]
      steps:
        - id: announce
          name: Announce the run
          uses: notify
          with: { text: "${{ params.ticket }}: started" }
          compensate:
            uses: notify
            with: { text: "${{ params.ticket }}: undone" }
        - id: fix
          name: Close the invoice
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'closed' WHERE id = :id OR email = :who"]
            bind: "${{ params.bind }}"
            expectRows: 1
            backup: true
          approval: { approvers: { group: db-leads }, message: "close invoice of ${{ params.ticket }}" }
      """;

  static final String LOCAL =
      """
      apiVersion: runbook/v1
      kind: Environment
      metadata: { name: local }
      provider: local
      rehearsal: true
      taskQueue: runbook-local
      databases:
        platform: { engine: postgresql, endpoint: 127.0.0.1, port: 5432, database: platform, secretId: local/platform }
      teams:
        db-leads: [alice, bob]
      """;

  private TemporalFixture temporal;
  private LocalPostgres postgres;
  private AuditStore store;
  private RunbookWorker worker;
  private Map<String, String> auditEnv;
  private Path dir;

  /** The SQL steps as this test needs them: a change that previews, applies and backs up. */
  static final class BackingUpSql implements SqlActivities {
    @Override
    public StepResult change(StepRequest r) {
      var outputs = JsonNodeFactory.instance.objectNode();
      if (StepRequest.PREVIEW.equals(r.phaseOrRun())) {
        return new StepResult(
            outputs.put("previewRows", 1).put("previewHash", "h-" + r.stepId()), "1 row");
      }
      outputs.put("rowsAffected", 1).put("backupTable", "rb_bk_" + r.stepId() + "_1");
      return new StepResult(outputs, "1 row changed in invoices, backup rb_bk_fix_1");
    }

    private static StepResult refused(StepRequest r) {
      throw FailureType.CONFIGURATION.failure(r.uses() + " is not part of this test");
    }

    @Override
    public StepResult query(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult backup(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult restore(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult export(StepRequest r) {
      return refused(r);
    }

    @Override
    public StepResult terminateSessions(StepRequest r) {
      return refused(r);
    }
  }

  @BeforeAll
  void startAndRunTwice() throws Exception {
    dir = Files.createTempDirectory("audit-cli-");
    Files.createDirectories(dir.resolve("environments"));
    Files.writeString(dir.resolve("audit-demo.yaml"), RUNBOOK);
    Files.writeString(dir.resolve("environments/local.yaml"), LOCAL);
    postgres =
        LocalPostgres.start(new LocalPostgres.Options(0, List.of(LocalAuditStore.DATABASE), null));
    AuditStoreConfig config = LocalAuditStore.config(postgres);
    store = AuditStore.open(config);
    auditEnv =
        Map.of(
            AuditStoreConfig.URL_VARIABLE,
            config.url(),
            AuditStoreConfig.USER_VARIABLE,
            config.user(),
            AuditStoreConfig.PASSWORD_FILE_VARIABLE,
            LocalAuditStore.writePasswordFile(postgres, config).toString());
    temporal = TemporalFixture.serverOnly();
    worker =
        RunbookWorker.start(
            temporal.connection().client(),
            true,
            Map.of("local", "runbook-local"),
            List.of(new TemporalFixture.RecordingNotify(), new BackingUpSql()),
            new JdbcAuditActivities(store));

    launch("OPS-42");
    temporal.awaitGate(APPROVED, "local/fix");
    Cli.Result approved =
        as("bob", "approve", APPROVED, "--gate", "local/fix", "--comment", "rows checked");
    assertEquals(0, approved.exitCode(), approved.toString());
    assertEquals("COMPLETED", result(APPROVED).status().name());

    launch("OPS-43");
    temporal.awaitGate(REJECTED, "local/fix");
    Cli.Result rejected =
        as("alice", "reject", REJECTED, "--gate", "local/fix", "--reason", "wrong invoice");
    assertEquals(0, rejected.exitCode(), rejected.toString());
    assertEquals("REJECTED", result(REJECTED).status().name());
  }

  private void launch(String ticket) {
    Cli.Result launched =
        as(
            "carol",
            "run",
            dir.resolve("audit-demo.yaml").toString(),
            "--env",
            "local",
            "-p",
            "ticket=" + ticket,
            "-p",
            "bind={\"id\": 7, \"who\": \"" + CANARY + "\"}",
            "--detach");
    assertEquals(0, launched.exitCode(), launched.toString());
  }

  private RunView result(String id) throws Exception {
    return temporal
        .connection()
        .client()
        .newUntypedWorkflowStub(id)
        .getResult(30, TimeUnit.SECONDS, RunView.class);
  }

  @AfterAll
  void stop() throws IOException {
    if (worker != null) {
      worker.close();
    }
    if (temporal != null) {
      temporal.close();
    }
    if (store != null) {
      store.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private Cli.Result as(String user, String... args) {
    Map<String, String> env = new LinkedHashMap<>(temporal.env(user));
    env.putAll(auditEnv);
    return Cli.run(CliContext.of(env), args);
  }

  private Cli.Result audit(String... args) {
    return as("dana", prepend("audit", args));
  }

  private static String[] prepend(String first, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  /** What changes from run to run: times, hashes, the file's directory. */
  private String normalize(String text) {
    return text.replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<time>")
        .replaceAll("\\b[0-9a-f]{64}\\b", "<sha256>")
        .replaceAll("\\b[0-9a-f]{12}\\b", "<hash12>");
  }

  private static void golden(String name, String actual) throws IOException {
    Path file = Cli.root().resolve("cli/src/test/resources/audit").resolve(name);
    if (Boolean.getBoolean("audit.updateGolden")) {
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, name);
  }

  @Test
  void theMarkdownReportOfAnApprovedRunMatchesItsGoldenFile() throws IOException {
    Cli.Result report = audit(APPROVED);
    assertEquals(0, report.exitCode(), report.toString());
    assertEquals("", report.err());
    golden("approved.md", normalize(report.out()));
  }

  @Test
  void theJsonReportOfAnApprovedRunMatchesItsGoldenFile() throws IOException {
    Cli.Result report = audit(APPROVED, "--format", "json");
    assertEquals(0, report.exitCode(), report.toString());
    golden("approved.json", normalize(report.out()));
  }

  @Test
  void theReportOfARejectedRunFromTheAuditStoreShowsTheRefusalAndTheUndo() throws IOException {
    Cli.Result report = audit(REJECTED, "--from", "store");
    assertEquals(0, report.exitCode(), report.toString());
    golden("rejected-from-store.md", normalize(report.out()));
  }

  @Test
  void theStoreAndTemporalTellTheSameStory() {
    String fromTemporal = normalize(audit(APPROVED).out());
    String fromStore = normalize(audit(APPROVED, "--from", "store").out());
    assertEquals(
        fromTemporal.replace(
            "Temporal history (the workflow's input and results)", "the audit store"),
        fromStore);
  }

  @Test
  void theHtmlReportRendersInAHeadlessChromiumWithTheKeyFacts() throws Exception {
    Path page = dir.resolve("approved.html");
    Cli.Result written = audit(APPROVED, "--format", "html", "--out", page.toString());
    assertEquals(new Cli.Result(0, "wrote " + page + "\n", ""), written);
    String html = Files.readString(page);
    for (String external : List.of("<script", "<link", "src=", "http://", "https://", "@import")) {
      assertFalse(html.contains(external), "the page is not self-contained: " + external);
    }

    String dom = Chromium.dumpDom(page, dir.resolve("chromium-profile"));
    for (String fact :
        List.of(
            "<code id=\"run-id\">" + APPROVED + "</code>",
            "<td id=\"launcher\">carol</td>",
            "<td id=\"ticket\">OPS-42</td>",
            "<td id=\"status\"><span class=\"COMPLETED\">COMPLETED</span></td>",
            "<td>bob</td><td class=\"APPROVE\">APPROVE</td><td>rows checked</td>",
            "<code>UPDATE invoices SET status = 'closed' WHERE id = :id OR email = :who</code>",
            "<code>platform.rb_bk_fix_1</code>",
            "yes: kept on purpose (runbook backups prune removes it later)")) {
      assertTrue(dom.contains(fact), "not in the rendered page: " + fact + "\n" + dom);
    }
    String hash = result(APPROVED).planHash();
    assertTrue(dom.contains("<td id=\"plan-hash\"><code>" + hash + "</code></td>"), dom);
    assertFalse(dom.contains(CANARY), "the canary is in the rendered page");

    Path png =
        Chromium.screenshot(page, dir.resolve("chromium-profile-2"), dir.resolve("shot.png"));
    byte[] bytes = Files.readAllBytes(png);
    assertTrue(bytes.length > 10_000, "a blank screenshot: " + bytes.length + " bytes");
    assertEquals((byte) 0x89, bytes[0]);
    assertEquals('P', bytes[1]);
  }

  @Test
  void theCanaryBoundValueIsInNoReport() {
    for (String run : List.of(APPROVED, REJECTED)) {
      for (String from : List.of("temporal", "store")) {
        for (String format : List.of("md", "json", "html")) {
          Cli.Result report = audit(run, "--from", from, "--format", format);
          assertEquals(0, report.exitCode(), report.toString());
          assertFalse(report.out().contains(CANARY), run + " " + from + " " + format);
          assertTrue(report.out().contains("[redacted]"), run + " " + from + " " + format);
        }
      }
    }
    assertFalse(audit("--list", "--format", "json").out().contains(CANARY));
  }

  @Test
  void theListShowsRecentRunsFromTheStore() {
    Cli.Result list = audit("--list", "--since", "1h", "--env", "local");
    assertEquals(0, list.exitCode(), list.toString());
    String out = normalize(list.out());
    assertTrue(out.startsWith("# Runs started in the last 1h for local (2)\n"), out);
    assertTrue(
        out.contains(
            "| "
                + REJECTED
                + " | audit-demo v2 | local | carol | OPS-43 | REJECTED | <time> | <time> | 1 |"),
        out);
    assertTrue(out.indexOf(REJECTED) < out.indexOf(APPROVED + " "), "newest first: " + out);
    assertEquals(
        "# Runs started in the last 1h for prod (0)\n\nNo runs.\n",
        audit("--list", "--since", "1h", "--env", "prod").out());
  }

  @Test
  void anUnknownRunIsExitTwoWithOneClearLine() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: no run nope-1 in Temporal (namespace default), nor in the audit store\n"),
        audit("nope-1"));
  }

  @Test
  void badFlagsAreExitTwoNamingTheFlag() {
    assertEquals(
        new Cli.Result(
            2, "", "runbook: --since soon: expected a duration such as 7d, 12h or 90m\n"),
        audit("--list", "--since", "soon"));
    assertEquals(
        new Cli.Result(2, "", "runbook: give a RUN, or --list for recent runs\n"), audit());
    Cli.Result noStore = Cli.run(CliContext.of(temporal.env("dana")), "audit", "--list");
    assertEquals(2, noStore.exitCode());
    assertEquals(
        "runbook: no audit store: pass --audit-db-url or set RUNBOOK_AUDIT_DB_URL (runbook dev"
            + " prints the values for its own)\n",
        noStore.err());
  }

  @Test
  void aWorkerGivenABadAuditStoreSaysSoInOneLine() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: --audit-db-url mysql://db/audit: expected a PostgreSQL JDBC URL"
                + " (jdbc:postgresql://...)\n"),
        Cli.run(
            CliContext.of(temporal.env("dana")),
            "worker",
            "--env",
            "local",
            "--environments",
            dir.resolve("environments").toString(),
            "--audit-db-url",
            "mysql://db/audit"));
    Cli.Result unreachable =
        Cli.run(
            CliContext.of(
                Map.of(
                    "TEMPORAL_ADDRESS",
                    temporal.address(),
                    AuditStoreConfig.PASSWORD_VARIABLE,
                    "canary-password")),
            "worker",
            "--env",
            "local",
            "--environments",
            dir.resolve("environments").toString(),
            "--audit-db-url",
            "jdbc:postgresql://127.0.0.1:1/runbook_audit",
            "--audit-db-user",
            "runbook");
    assertEquals(3, unreachable.exitCode(), unreachable.toString());
    assertTrue(
        unreachable
            .err()
            .startsWith(
                "runbook: audit store jdbc:postgresql://127.0.0.1:1/runbook_audit as runbook:"
                    + " cannot bring its schema up to date: "),
        unreachable.err());
    assertEquals(1, unreachable.err().lines().count(), unreachable.err());
    assertFalse(unreachable.err().contains("canary-password"));
  }

  @Test
  void helpSaysWhatTheReportShowsAndWhereItComesFrom() {
    Cli.Result help = Cli.run("audit", "--help");
    assertEquals(0, help.exitCode());
    for (String text :
        List.of("--format", "--out", "--list", "--since", "--env", "--audit-db-url", "Temporal")) {
      assertTrue(help.out().contains(text), text + " missing from\n" + help.out());
    }
  }

  /** Debian's chromium, headless; a missing browser fails the test. */
  static final class Chromium {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    static String binary() {
      for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
        if (Files.isExecutable(Path.of(candidate))) {
          return candidate;
        }
      }
      throw new AssertionError(
          "no chromium: install Debian's chromium package (.ci/run does when it is missing)");
    }

    static List<String> command(Path profile, String... extra) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  binary(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--no-first-run",
                  "--user-data-dir=" + profile));
      args.addAll(List.of(extra));
      return args;
    }

    static String dumpDom(Path page, Path profile) throws Exception {
      return run(command(profile, "--dump-dom", page.toUri().toString()), profile);
    }

    static Path screenshot(Path page, Path profile, Path png) throws Exception {
      run(
          command(
              profile, "--screenshot=" + png, "--window-size=1280,1600", page.toUri().toString()),
          profile);
      assertTrue(Files.isRegularFile(png), "chromium wrote no screenshot");
      return png;
    }

    private static String run(List<String> command, Path profile) throws Exception {
      Files.createDirectories(profile);
      Path out = profile.resolveSibling(profile.getFileName() + ".out");
      Path err = profile.resolveSibling(profile.getFileName() + ".err");
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            "chromium did not finish in " + LIMIT + ": " + Files.readString(err));
      }
      assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
      return Files.readString(out);
    }
  }
}
