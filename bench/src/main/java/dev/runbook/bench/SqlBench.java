package dev.runbook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.BenchProbes;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.LocalCredentialSource;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.sql.SqlTargets;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The SQL steps through the real activity code ({@link JdbcSqlActivities}, called directly: no
 * Temporal server) against the same work done by {@code psql} or bare JDBC, on the embedded
 * PostgreSQL of {@code runbook dev} ({@link LocalPostgres}, a free loopback port, role {@value
 * LocalPostgres#ROLE}). Printed, never asserted. See bench/README.md.
 *
 * <ol>
 *   <li>Backup of every row of {@code bench_src}: {@code sql.backup} ({@code where: id <= :max})
 *       against {@code CREATE TABLE ... AS SELECT * FROM bench_src WHERE id <= N} run by psql.
 *   <li>Export of every row: {@code sql.export} (CSV) against {@code psql \copy (...) TO 'file' CSV
 *       HEADER}, the same query; row counts and SHA-256 of both files compared.
 *   <li>A change of the first {@code changeRows} rows ({@code UPDATE ... WHERE id <= :max}): the
 *       step's preview, then its apply with the approved preview, against the bare UPDATE in one
 *       JDBC transaction; also the apply without a preview and the images' SQL alone over JDBC.
 * </ol>
 *
 * <p>Every measured call is preceded by a reset, outside the timing, so each repetition does the
 * same work: backup tables and the CTAS table dropped, the engine's ledger rows deleted, the
 * changed rows put back from {@code bench_pristine} and the table vacuumed, export files deleted.
 * Variants run interleaved: each round runs every backup and export variant once, then every change
 * variant {@code changeRepeats} times, the starting variant rotated.
 *
 * <p>Properties: {@code -Dbench.rows} (1,000,000), {@code -Dbench.changeRows} (10,000), {@code
 * -Dbench.changeRepeats} (5: each change variant runs 5 times per round), {@code -Dbench.warmup} (1
 * round), {@code -Dbench.iterations} (5 rounds), {@code -Dbench.psql} (/usr/bin/psql).
 */
public final class SqlBench implements AutoCloseable {
  static final String ENV = "local";
  static final String DB = "bench";
  static final String DATABASE = "sqlbench";
  static final String TABLE = "bench_src";
  static final String PRISTINE = "bench_pristine";
  static final String CTAS = "bench_ctas";
  static final String COLUMNS = "id, account, email, amount, status, note, created_at";
  static final String UPDATE =
      "UPDATE " + TABLE + " SET amount = amount + 1, status = 'paid' WHERE id <= ";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * What to run.
   *
   * @param rows rows of the table backed up and exported
   * @param changeRows rows the change updates (the first ones by id)
   * @param changeRepeats times each change variant runs per round (they are short and noisy)
   * @param warmup rounds run first and not counted
   * @param iterations rounds measured
   * @param psql the psql client
   */
  public record Config(
      int rows, int changeRows, int changeRepeats, int warmup, int iterations, Path psql) {
    static Config fromProperties() {
      return new Config(
          Integer.getInteger("bench.rows", 1_000_000),
          Integer.getInteger("bench.changeRows", 10_000),
          Integer.getInteger("bench.changeRepeats", 5),
          Integer.getInteger("bench.warmup", 1),
          Integer.getInteger("bench.iterations", 5),
          Path.of(System.getProperty("bench.psql", "/usr/bin/psql")));
    }
  }

  /** A timed call: returns nanoseconds by part, the whole under {@code ""}. */
  @FunctionalInterface
  interface Timed {
    Map<String, Long> run() throws Exception;
  }

  @FunctionalInterface
  interface Reset {
    void run() throws Exception;
  }

  /** One variant of a task and its samples (ms). */
  public static final class Variant {
    final String task;
    final String label;
    final boolean baseline;
    final Reset reset;
    final Timed timed;
    final List<Double> millis = new ArrayList<>();
    final Map<String, List<Double>> parts = new LinkedHashMap<>();

    Variant(String task, String label, boolean baseline, Reset reset, Timed timed) {
      this.task = task;
      this.label = label;
      this.baseline = baseline;
      this.reset = reset;
      this.timed = timed;
    }

    public String task() {
      return task;
    }

    public String label() {
      return label;
    }

    public List<Double> millis() {
      return millis;
    }

    public Map<String, List<Double>> parts() {
      return parts;
    }
  }

  /** What the variants produced, checked against each other. */
  public static final class Checks {
    public long backupStepRows = -1;
    public long ctasRows = -1;
    public long exportStepRows = -1;
    public String exportStepSha = "";
    public long exportStepBytes = -1;
    public String exportMethod = "";
    public long psqlRows = -1;
    public String psqlSha = "";
    public long psqlBytes = -1;
    public long previewRows = -1;
    public long appliedRows = -1;
    public long runRows = -1;
    public long bareRows = -1;
  }

  private final Config config;
  private final LocalPostgres postgres;
  private final Path work;
  private final JdbcSqlActivities activities;
  private final Credentials credentials;
  private final Connection admin;
  private final Connection bare;
  private final AtomicInteger runs = new AtomicInteger();
  private final Checks checks = new Checks();
  private final List<Variant> variants = new ArrayList<>();

  private SqlBench(Config config, LocalPostgres postgres, Path work) throws IOException {
    this.config = config;
    this.postgres = postgres;
    this.work = work;
    Path environments = Files.createDirectories(work.resolve("environments"));
    Files.writeString(
        environments.resolve("local.yaml"),
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: local }
        provider: local
        rehearsal: true
        taskQueue: runbook-local
        databases:
          bench:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %d
            database: %s
            secretId: local/bench
        teams:
          db-leads: [alice]
        approvals: { allowSelfApproval: true }
        """
            .formatted(postgres.port(), DATABASE));
    SqlTargets targets =
        SqlTargets.fromDirectory(
            environments, Map.of(), new LocalCredentialSource(postgres.secretsFile()));
    this.activities =
        new JdbcSqlActivities(
            targets,
            SqlSettings.defaults()
                .withExportDirectory(Files.createDirectories(work.resolve("exports"))));
    this.credentials = LocalSecrets.read(postgres.secretsFile()).get("local/bench");
    try {
      this.admin = connect();
      this.bare = connect();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to the embedded PostgreSQL", e);
    }
  }

  /** Starts the embedded PostgreSQL and loads {@code rows} rows. */
  public static SqlBench start(Config config) throws IOException, SQLException {
    Path work = Files.createTempDirectory("runbook-sqlbench-");
    LocalPostgres postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0, List.of(new LocalDatabases.Database(DB, DATABASE, "local/bench")), null));
    SqlBench bench;
    try {
      bench = new SqlBench(config, postgres, work);
    } catch (IOException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    try {
      bench.load();
      bench.define();
      return bench;
    } catch (SQLException | RuntimeException e) {
      bench.close();
      throw e;
    }
  }

  public static void main(String[] args) throws Exception {
    Config config = Config.fromProperties();
    long start = System.nanoTime();
    try (SqlBench bench = start(config)) {
      System.out.printf(
          Locale.ROOT,
          "PostgreSQL %s on 127.0.0.1:%d, %,d rows loaded in %.1f s; %d warm-up + %d measured"
              + " rounds, %d cores, Java %s%n",
          bench.postgres.version(),
          bench.postgres.port(),
          config.rows(),
          (System.nanoTime() - start) / 1e9,
          config.warmup(),
          config.iterations(),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      bench.run();
      bench.print(System.out);
      bench.results().write();
    }
  }

  /** Every variant's median against its task's baseline, for bench/run (parts left out). */
  BenchResults results() {
    BenchResults results = new BenchResults("sql");
    for (Variant v : variants) {
      String aim = "";
      if (v.label.equals("sql.backup step")) {
        aim = "<= 1.2";
      } else if (v.label.equals("sql.export step (CSV)")) {
        aim = "<= 1.5";
      }
      results.add(v.task, v.label, "median ms", median(v.millis), baseline(v.task), aim);
    }
    return results;
  }

  public Checks checks() {
    return checks;
  }

  public List<Variant> variants() {
    return variants;
  }

  // ---- data

  private void load() throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute(
          "CREATE TABLE "
              + PRISTINE
              + " (id bigint PRIMARY KEY, account text NOT NULL, email text,"
              + " amount numeric(12,2) NOT NULL, status text NOT NULL, note text,"
              + " created_at timestamp NOT NULL)");
      s.execute(
          "INSERT INTO "
              + PRISTINE
              + " SELECT g, 'acct-' || (g % 50000), 'user' || g || '@example.com',"
              + " round((g % 100000) / 100.0, 2), (ARRAY['open','paid','void'])[1 + g % 3],"
              + " CASE WHEN g % 10 = 0 THEN NULL ELSE md5(g::text) END,"
              + " timestamp '2026-01-01 00:00:00' + g * interval '1 second'"
              + " FROM generate_series(1, "
              + config.rows()
              + ") g");
      s.execute("CREATE TABLE " + TABLE + " (LIKE " + PRISTINE + " INCLUDING ALL)");
      s.execute("INSERT INTO " + TABLE + " SELECT * FROM " + PRISTINE);
      s.execute("VACUUM ANALYZE " + PRISTINE);
      s.execute("VACUUM ANALYZE " + TABLE);
    }
  }

  // ---- the variants

  private void define() {
    String backupTask = "backup of " + String.format(Locale.ROOT, "%,d", config.rows()) + " rows";
    variants.add(
        new Variant(
            backupTask,
            "psql: CREATE TABLE ... AS SELECT",
            true,
            this::reset,
            () -> {
              long t0 = System.nanoTime();
              psql(
                  "CREATE TABLE "
                      + CTAS
                      + " AS SELECT "
                      + COLUMNS
                      + " FROM "
                      + TABLE
                      + " WHERE id <= "
                      + config.rows());
              long t1 = System.nanoTime();
              checks.ctasRows = count("SELECT count(*) FROM " + CTAS);
              return Map.of("", t1 - t0);
            }));
    variants.add(
        new Variant(
            backupTask,
            "psql: CREATE TABLE (LIKE) + INSERT ... SELECT, one transaction (the step's copy"
                + " before 2026-12)",
            false,
            this::reset,
            () -> {
              long t0 = System.nanoTime();
              psql(
                  "BEGIN; CREATE TABLE "
                      + CTAS
                      + " (LIKE "
                      + TABLE
                      + "); INSERT INTO "
                      + CTAS
                      + " ("
                      + COLUMNS
                      + ") SELECT "
                      + COLUMNS
                      + " FROM "
                      + TABLE
                      + " WHERE id <= "
                      + config.rows()
                      + "; COMMIT;");
              return Map.of("", System.nanoTime() - t0);
            }));
    variants.add(
        new Variant(
            backupTask,
            "JDBC: CREATE TABLE ... AS SELECT, one transaction (the step's copy alone, no psql"
                + " process)",
            false,
            this::reset,
            () -> {
              admin.setAutoCommit(false);
              long t0 = System.nanoTime();
              try (PreparedStatement ps =
                  admin.prepareStatement(
                      "CREATE TABLE "
                          + CTAS
                          + " AS SELECT "
                          + COLUMNS
                          + " FROM "
                          + TABLE
                          + " WHERE id <= ?")) {
                ps.setLong(1, config.rows());
                ps.executeUpdate();
              }
              admin.commit();
              long t1 = System.nanoTime();
              admin.setAutoCommit(true);
              return Map.of("", t1 - t0);
            }));
    variants.add(new Variant(backupTask, "sql.backup step", false, this::reset, this::backupStep));

    String exportTask = "export of " + String.format(Locale.ROOT, "%,d", config.rows()) + " rows";
    Path psqlFile = work.resolve("export-psql.csv");
    variants.add(
        new Variant(
            exportTask,
            "psql: \\copy (SELECT ...) TO file CSV HEADER",
            true,
            this::reset,
            () -> {
              long t0 = System.nanoTime();
              psql("\\copy (" + exportQuery() + ") TO '" + psqlFile + "' CSV HEADER");
              long t1 = System.nanoTime();
              checks.psqlBytes = Files.size(psqlFile);
              checks.psqlSha = sha256(psqlFile);
              checks.psqlRows = lines(psqlFile) - 1;
              return Map.of("", t1 - t0);
            }));
    variants.add(
        new Variant(
            exportTask,
            "sql.export step (CSV)",
            false,
            this::reset,
            () -> {
              ObjectNode with = NODES.objectNode();
              with.put("database", DB);
              with.put("query", exportQuery());
              with.put("format", "csv");
              with.put("path", "export-step.csv");
              StepRequest request = request("export", "sql.export", with, StepRequest.RUN, null);
              long t0 = System.nanoTime();
              StepResult result = activities.export(request);
              long t1 = System.nanoTime();
              checks.exportStepRows = result.outputs().path("rowCount").asLong();
              checks.exportStepSha = result.outputs().path("sha256").asText();
              checks.exportStepBytes = result.outputs().path("bytes").asLong();
              checks.exportMethod = result.outputs().path("method").asText();
              return Map.of("", t1 - t0);
            }));

    String changeTask =
        "change of " + String.format(Locale.ROOT, "%,d", config.changeRows()) + " rows";
    variants.add(
        new Variant(
            changeTask,
            "JDBC: bare UPDATE, one transaction",
            true,
            this::reset,
            () -> {
              long t0 = System.nanoTime();
              bare.setAutoCommit(false);
              long n;
              try (PreparedStatement ps = bare.prepareStatement(UPDATE + "?")) {
                ps.setLong(1, config.changeRows());
                n = ps.executeLargeUpdate();
              }
              bare.commit();
              long t1 = System.nanoTime();
              checks.bareRows = n;
              return Map.of("", t1 - t0);
            }));
    variants.add(
        new Variant(
            changeTask,
            "JDBC: SELECT FOR UPDATE + UPDATE RETURNING, read as text",
            false,
            this::reset,
            () -> {
              long t0 = System.nanoTime();
              bare.setAutoCommit(false);
              try (PreparedStatement ps =
                  bare.prepareStatement(
                      "SELECT " + TABLE + ".* FROM " + TABLE + " WHERE id <= ? FOR UPDATE")) {
                ps.setLong(1, config.changeRows());
                readAll(ps);
              }
              try (PreparedStatement ps =
                  bare.prepareStatement(UPDATE + "? RETURNING " + TABLE + ".*")) {
                ps.setLong(1, config.changeRows());
                readAll(ps);
              }
              bare.commit();
              return Map.of("", System.nanoTime() - t0);
            }));
    variants.add(
        new Variant(
            changeTask,
            "sql.change step: preview, then apply (approved)",
            false,
            this::reset,
            () -> {
              String run = newRun();
              ObjectNode with = changeInputs();
              long t0 = System.nanoTime();
              StepResult preview =
                  activities.change(
                      request(run, "fix", "sql.change", with, StepRequest.PREVIEW, null));
              long t1 = System.nanoTime();
              StepResult apply =
                  activities.change(
                      request(
                          run, "fix", "sql.change", with, StepRequest.APPLY, preview.outputs()));
              long t2 = System.nanoTime();
              checks.previewRows = preview.outputs().path("previewRows").asLong();
              checks.appliedRows = apply.outputs().path("rowsAffected").asLong();
              Map<String, Long> out = new LinkedHashMap<>();
              out.put("", t2 - t0);
              out.put("preview", t1 - t0);
              out.put("apply", t2 - t1);
              return out;
            }));
    variants.add(
        new Variant(
            changeTask,
            "sql.change step: run (no preview, no images)",
            false,
            this::reset,
            () -> {
              StepRequest request =
                  request(newRun(), "fix", "sql.change", changeInputs(), StepRequest.RUN, null);
              long t0 = System.nanoTime();
              StepResult result = activities.change(request);
              long t1 = System.nanoTime();
              checks.runRows = result.outputs().path("rowsAffected").asLong();
              return Map.of("", t1 - t0);
            }));
    variants.add(
        new Variant(
            changeTask,
            "probe: SELECT the rows, read as text (JDBC)",
            false,
            this::reset,
            () -> readChangeRows(false)));
    variants.add(
        new Variant(
            changeTask,
            "probe: the same + canonical rows, SHA-256 multiset hash (Checksums)",
            false,
            this::reset,
            () -> readChangeRows(true)));
  }

  /** The change's rows read as text over JDBC, with ({@code hash}) the images' hashing or not. */
  private Map<String, Long> readChangeRows(boolean hash) throws SQLException {
    admin.setAutoCommit(false);
    long t0 = System.nanoTime();
    if (hash) {
      // Checksums.table reads "SELECT <columns> FROM <table>": the WHERE rides on the table text.
      BenchProbes.workerChecksum(
          admin, TABLE + " WHERE id <= " + config.changeRows(), List.of(COLUMNS.split(", ")));
    } else {
      try (PreparedStatement ps =
          admin.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE id <= ?")) {
        ps.setFetchSize(1000);
        ps.setLong(1, config.changeRows());
        readAll(ps);
      }
    }
    long t1 = System.nanoTime();
    admin.commit();
    admin.setAutoCommit(true);
    return Map.of("", t1 - t0);
  }

  /**
   * sql.backup, then (timed apart, not in its figure) its checksum again, and the first format's.
   */
  private Map<String, Long> backupStep() throws SQLException {
    ObjectNode with = NODES.objectNode();
    with.put("database", DB);
    with.put("table", TABLE);
    with.put("where", "id <= :max");
    with.putObject("bind").put("max", config.rows());
    StepRequest request = request("backup", "sql.backup", with, StepRequest.RUN, null);
    long t0 = System.nanoTime();
    StepResult result = activities.backup(request);
    long t1 = System.nanoTime();
    checks.backupStepRows = result.outputs().path("rowCount").asLong();
    String table = result.outputs().path("backupTable").asText();
    admin.setAutoCommit(false);
    long t2 = System.nanoTime();
    BenchProbes.serverChecksum(admin, table, List.of(COLUMNS.split(", ")));
    long t3 = System.nanoTime();
    BenchProbes.workerChecksum(admin, "\"" + table + "\"", List.of(COLUMNS.split(", ")));
    long t4 = System.nanoTime();
    admin.commit();
    admin.setAutoCommit(true);
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("", t1 - t0);
    out.put("part, timed apart: its checksum (v2: one aggregate in the server)", t3 - t2);
    out.put(
        "for comparison, timed apart: the first format's checksum (v1: rows read to the worker"
            + " and hashed there)",
        t4 - t3);
    return out;
  }

  private String exportQuery() {
    return "SELECT " + COLUMNS + " FROM " + TABLE + " ORDER BY id";
  }

  private ObjectNode changeInputs() {
    ObjectNode with = NODES.objectNode();
    with.put("database", DB);
    with.putArray("statements").add(UPDATE + ":max");
    with.putObject("bind").put("max", config.changeRows());
    with.put("expectRows", config.changeRows());
    with.put("verify", "SELECT id FROM " + TABLE + " WHERE id <= :max AND status <> 'paid'");
    return with;
  }

  // ---- resets

  /**
   * The same state before every measured call: no backup or CTAS table (so no autovacuum of a
   * million fresh rows runs under the next variant), empty ledgers, the changed rows put back and
   * vacuumed, no export files.
   */
  private void reset() throws SQLException, IOException {
    resetBackups();
    resetChange();
    Files.deleteIfExists(work.resolve("export-psql.csv"));
    Files.deleteIfExists(work.resolve("exports").resolve("export-step.csv"));
  }

  private void resetBackups() throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement s = admin.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    + " AND tablename LIKE 'rb\\_bk\\_%'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    try (Statement s = admin.createStatement()) {
      for (String table : tables) {
        s.execute("DROP TABLE \"" + table + "\"");
      }
      s.execute("DROP TABLE IF EXISTS " + CTAS);
    }
    deleteRows("runbook_backups");
  }

  private void resetChange() throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute(
          "UPDATE "
              + TABLE
              + " t SET amount = p.amount, status = p.status FROM "
              + PRISTINE
              + " p WHERE t.id = p.id AND t.id <= "
              + config.changeRows()
              + " AND (t.amount, t.status) IS DISTINCT FROM (p.amount, p.status)");
      s.execute("VACUUM " + TABLE);
    }
    deleteRows("runbook_change_ledger");
  }

  private void deleteRows(String table) throws SQLException {
    if (count("SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'") > 0) {
      try (Statement s = admin.createStatement()) {
        s.execute("DELETE FROM " + table);
      }
    }
  }

  // ---- running

  /** Warm-up rounds, then measured rounds; each round runs every variant once, rotated. */
  public void run() throws Exception {
    List<Variant> big = variants.stream().filter(v -> !v.task.startsWith("change")).toList();
    List<Variant> small = variants.stream().filter(v -> v.task.startsWith("change")).toList();
    for (int round = 0; round < config.warmup() + config.iterations(); round++) {
      boolean measured = round >= config.warmup();
      List<Variant> order = new ArrayList<>();
      for (int i = 0; i < big.size(); i++) {
        order.add(big.get((round + i) % big.size()));
      }
      for (int r = 0; r < config.changeRepeats(); r++) {
        for (int i = 0; i < small.size(); i++) {
          order.add(small.get((round + r + i) % small.size()));
        }
      }
      for (Variant v : order) {
        v.reset.run();
        Map<String, Long> nanos = v.timed.run();
        if (measured) {
          v.millis.add(nanos.get("") / 1e6);
          nanos.forEach(
              (part, ns) -> {
                if (!part.isEmpty()) {
                  v.parts.computeIfAbsent(part, k -> new ArrayList<>()).add(ns / 1e6);
                }
              });
        }
      }
      System.err.printf(
          Locale.ROOT, "%s round %d done%n", measured ? "measured" : "warm-up", round + 1);
    }
  }

  /** The table, the parts and the checks. */
  public void print(PrintStream out) {
    out.println();
    out.println("| task | variant | median ms | min ms | max ms | median / baseline |");
    out.println("|---|---|---:|---:|---:|---:|");
    for (Variant v : variants) {
      double base = baseline(v.task);
      out.printf(
          Locale.ROOT,
          "| %s | %s | %.1f | %.1f | %.1f | %.2f |%n",
          v.task,
          v.label,
          median(v.millis),
          min(v.millis),
          max(v.millis),
          median(v.millis) / base);
      v.parts.forEach(
          (part, ms) ->
              out.printf(
                  Locale.ROOT,
                  "| %s | &nbsp;&nbsp;%s | %.1f | %.1f | %.1f | %.2f |%n",
                  v.task,
                  part,
                  median(ms),
                  min(ms),
                  max(ms),
                  median(ms) / base));
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "backup: step %,d rows, CTAS %,d rows%n",
        checks.backupStepRows,
        checks.ctasRows);
    out.printf(
        Locale.ROOT,
        "export: step %,d rows, %,d bytes, method %s, %s%n"
            + "        psql %,d rows, %,d bytes, sha256:%s%n        %s%n",
        checks.exportStepRows,
        checks.exportStepBytes,
        checks.exportMethod,
        "sha256:" + checks.exportStepSha,
        checks.psqlRows,
        checks.psqlBytes,
        checks.psqlSha,
        checks.psqlSha.equals(checks.exportStepSha) && checks.psqlRows == checks.exportStepRows
            ? "same rows, same bytes"
            : "THE FILES DIFFER");
    out.printf(
        Locale.ROOT,
        "change: bare %,d rows, preview %,d, apply %,d, run %,d%n",
        checks.bareRows,
        checks.previewRows,
        checks.appliedRows,
        checks.runRows);
  }

  private double baseline(String task) {
    return variants.stream()
        .filter(v -> v.task.equals(task) && v.baseline)
        .findFirst()
        .map(v -> median(v.millis))
        .orElse(Double.NaN);
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static double min(List<Double> values) {
    return values.stream().min(Comparator.naturalOrder()).orElse(Double.NaN);
  }

  private static double max(List<Double> values) {
    return values.stream().max(Comparator.naturalOrder()).orElse(Double.NaN);
  }

  // ---- helpers

  private String newRun() {
    return "bench-" + runs.incrementAndGet();
  }

  private StepRequest request(
      String step, String uses, JsonNode with, String phase, JsonNode approved) {
    return request(newRun(), step, uses, with, phase, approved);
  }

  private static StepRequest request(
      String run, String step, String uses, JsonNode with, String phase, JsonNode approved) {
    return new StepRequest(
        run,
        "sql-bench",
        ENV,
        step,
        uses,
        with,
        "plan-hash",
        "bench",
        run + "/" + ENV + "/" + step,
        phase,
        approved);
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", credentials.username());
    p.setProperty("password", credentials.password());
    return DriverManager.getConnection(postgres.jdbcUrl(DATABASE), p);
  }

  private long count(String sql) throws SQLException {
    try (Statement s = admin.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void readAll(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= columns; i++) {
          rs.getString(i);
        }
      }
    }
  }

  /**
   * Runs one psql command as {@value LocalPostgres#ROLE}; the password comes from LocalPostgres's
   * pgpass file (0600) through PGPASSFILE, never from the command line or this process's output.
   */
  private void psql(String command) throws IOException, InterruptedException {
    Path log = work.resolve("psql.log");
    ProcessBuilder pb =
        new ProcessBuilder(
            config.psql().toString(),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "host=127.0.0.1 port="
                + postgres.port()
                + " dbname="
                + DATABASE
                + " user="
                + LocalPostgres.ROLE,
            "-c",
            command);
    pb.environment().remove("PGPASSWORD");
    pb.environment().put("PGPASSFILE", postgres.pgpassFile().toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    int rc = pb.start().waitFor();
    if (rc != 0) {
      throw new IllegalStateException(
          "psql exited with " + rc + ": " + Files.readString(log, StandardCharsets.UTF_8).strip());
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long lines(Path file) throws IOException {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.count();
    }
  }

  @Override
  public void close() {
    activities.close();
    for (Connection c : List.of(admin, bare)) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
    postgres.close();
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
