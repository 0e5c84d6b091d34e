package dev.runbook.worker.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.ApprovalDecision;
import dev.runbook.engine.workflow.ControlWorker;
import dev.runbook.engine.workflow.Decision;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunRequest;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.engine.workflow.RunStatus;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.RunbookWorkflow;
import dev.runbook.worker.CloudSteps;
import dev.runbook.worker.StepTestEnvironment;
import dev.runbook.worker.audit.AuditDatabases;
import dev.runbook.worker.audit.AuditStore;
import dev.runbook.worker.audit.AuditStoreConfig;
import dev.runbook.worker.audit.JdbcAuditActivities;
import dev.runbook.worker.flyway.FlywaySettings;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import dev.runbook.worker.ssh.JumpHostServer;
import dev.runbook.worker.ssh.SshKeys;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 10 (abuse: secrets): canary secrets go through every step family of a real worker and
 * appear nowhere they must not. The interpreter runs on Temporal's test server; the steps are the
 * worker's own ({@link CloudSteps}: SQL on the embedded PostgreSQL, {@code ssh.tunnel} through a
 * MINA SSHD jump host, Flyway, {@code exec} with a real process, {@code notify}, the local
 * provider's {@code aws.secrets.get}), with the credentials from the local secrets file ({@link
 * LocalCredentialSource}, what {@code runbook dev} writes). The database password, the private
 * key's passphrase and a wrong password are unique canaries; afterwards the full workflow history
 * (JSON with base64 payloads and the proto text with decoded payloads), every log event (root
 * logger, {@code dev.runbook} at DEBUG, with stack traces), the notify lines, the run's view, the
 * audit store rows and every failure message are searched for each canary in plain, URL-encoded and
 * base64 form.
 *
 * <p>Masking in {@code exec} covers the values as given (plain and URL-encoded); a program that
 * transforms a secret it was given (base64, hex...) before printing it is not masked, and no
 * masking could catch every transformation.
 *
 * <p>Covered elsewhere and not repeated here: AWS steps and Secrets Manager ({@code
 * AwsWorkflowTest}, {@code SecretsStepsTest}), Slack webhook URLs ({@code SlackNotifyRunTest},
 * {@code AutoNoticesSlackTest}), bound SQL values in the audit store ({@code AuditedSqlRunTest}),
 * MariaDB passwords ({@code SqlFaultTest}), parameter redaction ({@code RedactionTest}).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CanarySecretSuiteTest {
  private static final String HEX = HexFormat.of().formatHex(new SecureRandom().generateSeed(10));

  /** The database password; characters that URL-encode so that the encoded form differs. */
  static final String DB_CANARY = "c4n+ry/" + HEX + "=&db";

  /** The passphrase of the jump host's private key. */
  static final String KEY_CANARY = "k3y+" + HEX + "/phrase";

  /** A password the database refuses. */
  static final String WRONG_CANARY = "wr0ng+" + HEX + "=pw";

  static final List<String> CANARIES = List.of(DB_CANARY, KEY_CANARY, WRONG_CANARY);

  private static Path dir;
  private static LocalPostgres postgres;
  private static JumpHostServer jump;
  private static int tunnelPort;
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final List<String> lines = new CopyOnWriteArrayList<>();

  private TestWorkflowEnvironment env;
  private AuditStore store;
  private AuditStoreConfig audit;
  private final List<String> failures = new ArrayList<>();
  private final List<String> gates = new ArrayList<>();

  @BeforeAll
  static void servers() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    logs.setContext(context);
    logs.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
    context.getLogger("dev.runbook").setLevel(Level.DEBUG);

    dir = Files.createTempDirectory("runbook-canary-");
    postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0,
                List.of(
                    new LocalDatabases.Database("platform", "canarydb", "local/platform"),
                    new LocalDatabases.Database("migrations", "flywaydb", "local/platform")),
                null));
    // the database password becomes the canary
    try (Connection su = superuser();
        Statement s = su.createStatement()) {
      s.execute("ALTER ROLE " + LocalPostgres.ROLE + " PASSWORD '" + DB_CANARY + "'");
    }
    try (Connection c =
            DriverManager.getConnection(
                postgres.jdbcUrl("canarydb"), LocalPostgres.ROLE, DB_CANARY);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items (id integer PRIMARY KEY, name varchar(50))");
      s.execute("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    }
    Path key = SshKeys.generate(dir, "id_rsa", "rsa", KEY_CANARY, true);
    jump = JumpHostServer.start(Files.createDirectories(dir.resolve("jump")), key);
    Files.writeString(
        dir.resolve("secrets.yaml"),
        """
        local/platform: { username: %s, password: "%s" }
        local/wrong: { username: %s, password: "%s" }
        local/ssh-key: { username: tester, password: "%s" }
        """
            .formatted(
                LocalPostgres.ROLE, DB_CANARY, LocalPostgres.ROLE, WRONG_CANARY, KEY_CANARY));
    Path migrations = Files.createDirectories(dir.resolve("migrations").resolve("canary"));
    Files.writeString(
        migrations.resolve("V1__flyway_items.sql"), "CREATE TABLE flyway_items (id integer);\n");
    Files.createDirectories(dir.resolve("exec"));
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      tunnelPort = free.getLocalPort();
    }
  }

  @AfterAll
  static void stopServers() {
    ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
        .detachAppender(logs);
    if (jump != null) {
      jump.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  private static Connection superuser() throws Exception {
    return DriverManager.getConnection(
        postgres.jdbcUrl("canarydb"),
        "postgres",
        Files.readString(postgres.directory().resolve(".superuser")).strip());
  }

  private static String environmentText() {
    return """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: local }
        provider: local
        taskQueue: runbook-local
        jumpBox:
          instanceId: i-0123456789abcdef0
          securityGroupId: sg-0123456789abcdef0
          host: 127.0.0.1
          sshUser: tester
          sshPort: %1$d
          hostKey: "%2$s"
          privateKeyFile: %3$s
          passphraseSecretId: local/ssh-key
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %4$d
            database: canarydb
            secretId: local/platform
          tunneled:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %4$d
            database: canarydb
            secretId: local/platform
            via: jump-box
            localPort: %6$d
          migrations:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %4$d
            database: flywaydb
            secretId: local/platform
          wrongpw:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %4$d
            database: canarydb
            secretId: local/wrong
        exec:
          allow: [[sh, -c]]
          root: %5$s
        teams:
          db-leads: [alice]
        approvals: { allowSelfApproval: true }
        """
        .formatted(
            jump.port(),
            jump.hostKeyLine(),
            dir.resolve("id_rsa"),
            postgres.port(),
            dir.resolve("exec"),
            tunnelPort);
  }

  @BeforeEach
  void start() {
    audit = AuditDatabases.config("audit_canary");
    store = AuditStore.open(audit);
    env = StepTestEnvironment.start();
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    ControlWorker.register(
        env.newWorker(RunbookWorkflow.CONTROL_QUEUE), new JdbcAuditActivities(store));
    EnvironmentSpec spec = Fixtures.environment("local", environmentText()).spec();
    SqlTargets targets =
        SqlTargets.of(
            List.of(spec),
            Map.of(),
            Map.of("local", new LocalCredentialSource(dir.resolve("secrets.yaml"))));
    Map<String, List<Object>> steps =
        CloudSteps.of(
            lines::add,
            List.of(spec),
            targets,
            SqlSettings.defaults().withExportDirectory(dir.resolve("exports")),
            FlywaySettings.defaults().withMigrationsRoot(dir.resolve("migrations")));
    env.newWorker("runbook-local").registerActivitiesImplementations(steps.get("local").toArray());
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
    store.close();
  }

  private Plan plan(String runbook) {
    PlanCompiler.Result result =
        PlanCompiler.compile(
            Fixtures.runbook(runbook),
            Map.of("local", Fixtures.environment("local", environmentText())),
            "local",
            Map.of("ticket", "OPS-10"));
    assertEquals(List.of(), result.diagnostics(), "compile problems");
    return result.plan().orElseThrow();
  }

  private RunbookWorkflow launch(String id, String runbook) {
    Plan plan = plan(runbook);
    WorkflowClient client = env.getWorkflowClient();
    RunbookWorkflow wf =
        client.newWorkflowStub(
            RunbookWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(RunbookWorkflow.CONTROL_QUEUE)
                .build());
    WorkflowClient.start(wf::run, new RunRequest(plan, "carol", "OPS-10"));
    return client.newWorkflowStub(RunbookWorkflow.class, id);
  }

  private RunView result(RunbookWorkflow wf) {
    try {
      return WorkflowStub.fromTyped(wf).getResult(120, TimeUnit.SECONDS, RunView.class);
    } catch (WorkflowFailedException e) {
      failures.add(describe(e));
      return wf.view();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static final String HEADER =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata: { name: canary, version: 1 }
      params:
        ticket: { type: string }
      environments: [local]
      steps:
      """;

  @Test
  void everyStepFamilyRunsWithTheCanarySecretsAndNoneLeaks() throws Exception {
    String runbook =
        HEADER
            + """
              - id: secret
                uses: aws.secrets.get
                with: { database: platform }
              - id: tunnel
                uses: ssh.tunnel
                with: { database: tunneled }
              - id: throughtunnel
                uses: sql.query
                with: { database: tunneled, query: "SELECT current_user AS who, 1 AS one" }
              - id: q
                uses: sql.query
                with: { database: platform, query: "SELECT id, name FROM items ORDER BY id" }
              - id: backup
                uses: sql.backup
                with: { database: platform, table: items, where: "id = :id", bind: { id: 1 } }
              - id: change
                uses: sql.change
                with:
                  database: platform
                  statements: ["UPDATE items SET name = 'changed' WHERE id = 1"]
                  expectRows: 1
                approval:
                  approvers: { group: db-leads }
                  message: "change items for ${{ params.ticket }} (secret ${{ steps.secret.outputs.handle }})"
              - id: restore
                uses: sql.restore
                with: { database: platform, backup: "${{ steps.backup.outputs.backupTable }}" }
              - id: export
                uses: sql.export
                with: { database: platform, query: "SELECT id, name FROM items", format: csv }
              - id: kill
                uses: sql.terminate-sessions
                with: { database: platform, sessions: [999999], reason: canary check }
                approval: { approvers: { group: db-leads }, message: "end session 999999" }
              - id: migrate
                uses: flyway.migrate
                with: { database: migrations, locations: [canary] }
              - id: info
                uses: flyway.info
                with: { database: migrations, locations: [canary] }
              - id: validate
                uses: flyway.validate
                with: { database: migrations, locations: [canary] }
              - id: repair
                uses: flyway.repair
                with: { database: migrations, locations: [canary] }
              - id: shell
                uses: exec
                with:
                  database: platform
                  env: { EXTRA: "${{ steps.secret.outputs.handle }}" }
                  command: [sh, -c, "echo pw=$PGPASSWORD url=$DATABASE_URL len=${#PGPASSWORD} extra=$EXTRA; echo err=$PGPASSWORD >&2"]
              - id: gate
                uses: approval
                with:
                  approvers: { group: db-leads }
                  message: "approve ${{ steps.q.outputs.rowCount }} rows, ${{ steps.secret.outputs.handle }}"
              - id: tell
                uses: notify
                with: { text: "done ${{ params.ticket }} ${{ steps.secret.outputs.handle }} ${{ steps.shell.outputs.stdout }}" }
            """;
    RunbookWorkflow wf = launch("canary-all", runbook);
    decide(wf, "local/change");
    decide(wf, "local/kill");
    decide(wf, "local/gate");
    RunView view = result(wf);
    assertEquals(RunStatus.COMPLETED, view.status(), view.failure() + " " + failures);
    assertEquals(
        16,
        view.steps().stream().map(s -> s.stepId()).distinct().count(),
        "every step ran: " + view.steps());
    assertEquals(3, gates.size());
    assertTrue(gates.get(0).contains("change items for OPS-10"), gates.get(0));
    assertNoCanary("canary-all", view);
    assertTrue(
        lines.stream()
            .anyMatch(
                l ->
                    l.contains("done OPS-10")
                        && l.contains("pw=***")
                        && l.contains("len=" + DB_CANARY.length())),
        "the program saw the password, its output was masked and notify wrote it: " + lines);
  }

  @Test
  void failuresWhileHoldingTheSecretNameNoCanary() throws Exception {
    Map<String, String> runs =
        Map.of(
            "canary-wrong-sql",
            """
              - id: q
                uses: sql.query
                with: { database: wrongpw, query: "SELECT 1 AS one" }
            """,
            "canary-wrong-flyway",
            """
              - id: info
                uses: flyway.info
                with: { database: wrongpw, locations: [canary] }
            """,
            "canary-exec-fails",
            """
              - id: shell
                uses: exec
                with:
                  database: platform
                  command: [sh, -c, "echo out=$PGPASSWORD; echo err=$DATABASE_URL >&2; exit 3"]
            """,
            "canary-sql-error",
            """
              - id: q
                uses: sql.query
                with: { database: platform, query: "SELECT no_such_column FROM items" }
            """,
            "canary-tunnel-fails",
            """
              - id: q
                uses: sql.query
                with: { database: tunneled, query: "SELECT * FROM no_such_table" }
            """);
    Map<String, String> expected =
        Map.of(
            "canary-wrong-sql", "wrongpw",
            "canary-wrong-flyway", "wrongpw",
            "canary-exec-fails", "exit",
            "canary-sql-error", "no_such_column",
            "canary-tunnel-fails", "no_such_table");
    for (var run : runs.entrySet()) {
      RunView view = result(launch(run.getKey(), HEADER + run.getValue()));
      assertEquals(RunStatus.FAILED, view.status(), run.getKey() + ": " + view.failure());
      assertTrue(view.failure() != null && !view.failure().isBlank(), run.getKey());
      failures.add(view.failure());
      assertTrue(
          view.failure().contains(expected.get(run.getKey())),
          run.getKey() + " fails for its own reason: " + view.failure());
      assertNoCanary(run.getKey(), view);
    }
  }

  @Test
  void aWrongKeyPassphraseFailsTheTunnelWithoutNamingIt() throws Exception {
    Path secrets = dir.resolve("secrets.yaml");
    String right = Files.readString(secrets);
    // read at the point of use: the next tunnel reads the wrong passphrase
    Files.writeString(
        secrets,
        right.replace(
            "local/ssh-key: { username: tester, password: \"" + KEY_CANARY,
            "local/ssh-key: { username: tester, password: \"" + WRONG_CANARY));
    try {
      RunView view =
          result(
              launch(
                  "canary-wrong-passphrase",
                  HEADER
                      + """
                        - id: tunnel
                          uses: ssh.tunnel
                          with: { database: tunneled }
                      """));
      assertEquals(RunStatus.FAILED, view.status(), view.failure());
      assertTrue(view.failure().contains("wrong passphrase?"), view.failure());
      failures.add(view.failure());
      assertNoCanary("canary-wrong-passphrase", view);
    } finally {
      Files.writeString(secrets, right);
    }
  }

  /** The search itself: each form of a canary is found inside other text, at any offset. */
  @Test
  void theSearchFindsEveryFormOfACanaryAtAnyOffset() {
    for (String canary : CANARIES) {
      for (int shift = 0; shift < 3; shift++) {
        String around = "{\"p\":\"" + "y".repeat(shift) + canary + "\"}";
        String encoded =
            Base64.getEncoder().encodeToString(around.getBytes(StandardCharsets.UTF_8));
        assertTrue(forms(canary).stream().anyMatch(encoded::contains), "base64 at offset " + shift);
      }
      String url = "postgresql://u:" + URLEncoder.encode(canary, StandardCharsets.UTF_8) + "@h/db";
      assertTrue(forms(canary).stream().anyMatch(url::contains), "URL-encoded");
      assertTrue(forms(canary).stream().anyMatch(("x" + canary + "y")::contains), "plain");
    }
  }

  private void decide(RunbookWorkflow wf, String gate) throws InterruptedException {
    gates.add(String.valueOf(awaitGate(wf, gate))); // the text a reviewer sees
    String hash = wf.view().planHash();
    wf.decide(new ApprovalDecision(gate, "alice", Decision.APPROVE, "ok", hash));
  }

  /** Searches everything a run left for every canary. */
  private void assertNoCanary(String id, RunView view) throws Exception {
    Map<String, String> places = new java.util.LinkedHashMap<>();
    WorkflowExecutionHistory history = env.getWorkflowClient().fetchHistory(id);
    StringBuilder events = new StringBuilder(history.toJson(true));
    for (HistoryEvent e : history.getEvents()) {
      events.append('\n').append(e); // proto text: payload bytes shown decoded
    }
    assertTrue(
        events.toString().contains("activity_task_scheduled_event_attributes"),
        "the history has no activity");
    places.put("workflow history of " + id, events.toString());
    StringBuilder log = new StringBuilder();
    for (ILoggingEvent e : logs.list) {
      log.append(e.getFormattedMessage()).append('\n');
      if (e.getThrowableProxy() != null) {
        log.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
      }
    }
    places.put("log", log.toString());
    places.put("notify lines", String.join("\n", lines));
    places.put("run view", String.valueOf(view));
    places.put("failures", String.join("\n", failures));
    places.put("gate texts", String.join("\n", gates));
    places.put("audit store", auditRows());
    for (var place : places.entrySet()) {
      for (String canary : CANARIES) {
        for (String form : forms(canary)) {
          assertFalse(
              place.getValue().contains(form),
              "a canary (" + form + ") is in the " + place.getKey());
        }
      }
    }
  }

  /** The canary, URL-encoded, and the parts of its base64 that do not depend on its offset. */
  static Set<String> forms(String canary) {
    Set<String> forms = new LinkedHashSet<>();
    forms.add(canary);
    forms.add(URLEncoder.encode(canary, StandardCharsets.UTF_8));
    Function<String, String> b64 =
        s -> Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    for (int shift = 0; shift < 3; shift++) {
      String encoded = b64.apply("x".repeat(shift) + canary);
      // drop the characters that mix bytes of the prefix or of what follows
      int from = shift == 0 ? 0 : (shift * 4 + 2) / 3 + 1;
      forms.add(encoded.substring(from, encoded.length() - 4));
    }
    return forms;
  }

  private String auditRows() throws Exception {
    StringBuilder all = new StringBuilder();
    try (Connection c = DriverManager.getConnection(audit.url(), audit.user(), audit.password())) {
      for (String table :
          List.of(
              "audit_run",
              "audit_step",
              "audit_sql",
              "audit_resource",
              "audit_approval",
              "audit_compensation",
              "audit_refusal")) {
        try (ResultSet rs =
            c.createStatement().executeQuery("SELECT row_to_json(x)::text FROM " + table + " x")) {
          while (rs.next()) {
            all.append(rs.getString(1)).append('\n');
          }
        }
      }
    }
    assertTrue(all.toString().contains("canary-"), "the audit store is empty");
    return all.toString();
  }

  private static String describe(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.append(c).append('\n');
    }
    return out.toString();
  }

  private static GateView awaitGate(RunbookWorkflow wf, String gate) throws InterruptedException {
    for (int i = 0; i < 3000; i++) {
      RunView view = wf.view();
      for (GateView open : view.openGates()) {
        if (open.id().equals(gate)) {
          return open;
        }
      }
      if (view.status().isFinal()) {
        fail("run ended as " + view.status() + ": " + view.failure());
      }
      Thread.sleep(20);
    }
    return fail("gate " + gate + " did not open");
  }
}
