package dev.runbook.bench;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.SqlTargets;
import dev.runbook.worker.ssh.JumpHost;
import dev.runbook.worker.ssh.SecretReader;
import dev.runbook.worker.ssh.TunnelPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The engine's SSH tunnel (JSch through {@link TunnelPool}) against OpenSSH's {@code ssh -N -L}
 * through the same loopback OpenSSH server, and against no tunnel: bulk download ({@code COPY ...
 * TO STDOUT}) and upload ({@code COPY ... FROM STDIN}) throughput, {@code SELECT 1} latency on one
 * connection, and the time from "open the tunnel" to the first {@code SELECT 1}. Every variant runs
 * side by side in one process, so ratios are comparable (the machine's speed drifts between runs).
 * See bench/README.md for how to run it and what was measured.
 */
public final class SshBench implements AutoCloseable {
  /**
   * @param megabytes bulk transfer size each way, per run
   * @param queries {@code SELECT 1} round trips per run
   * @param repeats measured runs per variant (medians are reported)
   */
  public record Config(int megabytes, int queries, int repeats) {}

  /** One way of reaching the database, and its measurements. */
  public static final class Variant {
    final String label;
    final Opener opener;
    final List<Double> pull = new ArrayList<>();
    final List<Double> push = new ArrayList<>();
    final List<Double> latencyP50 = new ArrayList<>();
    final List<Double> latencyP99 = new ArrayList<>();
    final List<Double> firstSelect = new ArrayList<>();
    long pulledBytes;
    long pushedBytes;
    int queriesAnswered;

    Variant(String label, Opener opener) {
      this.label = label;
      this.opener = opener;
    }

    public String label() {
      return label;
    }

    public int runs() {
      return pull.size();
    }

    public long pulledBytes() {
      return pulledBytes;
    }

    public long pushedBytes() {
      return pushedBytes;
    }

    public int queriesAnswered() {
      return queriesAnswered;
    }
  }

  /** Opens the way to the database; the returned handle closes it. */
  interface Opener {
    Opened open() throws Exception;
  }

  interface Opened extends AutoCloseable {
    int port();

    @Override
    default void close() {}
  }

  private final Config config;
  private final Path dir;
  private final LocalPostgres postgres;
  private final OpenSshServer sshd;
  private final Credentials credentials;
  private final List<Variant> variants = new ArrayList<>();

  private SshBench(Config config, Path dir, LocalPostgres postgres, OpenSshServer sshd)
      throws IOException {
    this.config = config;
    this.dir = dir;
    this.postgres = postgres;
    this.sshd = sshd;
    this.credentials = LocalSecrets.read(postgres.secretsFile()).get("local/bench");
    JumpHost jump = jumpHost();
    variants.add(new Variant("direct (no tunnel)", () -> postgres::port));
    variants.add(
        new Variant(
            "engine: JSch, 2 MiB window", () -> engine(jump, TunnelPool.Settings.defaults())));
    variants.add(
        new Variant(
            "engine: JSch's own 128 KiB window",
            () -> engine(jump, TunnelPool.Settings.defaults().withWindow(128 << 10, 16 << 10))));
    variants.add(
        new Variant("OpenSSH ssh -L, aes128-gcm", () -> openssh("aes128-gcm@openssh.com")));
    variants.add(new Variant("OpenSSH ssh -L, its default", () -> openssh(null)));
  }

  public static SshBench start(Config config) throws Exception {
    Path dir = Files.createTempDirectory("runbook-sshbench-");
    LocalPostgres postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0, List.of(new LocalDatabases.Database("bench", "sshbench", "local/bench")), null));
    try {
      return new SshBench(config, dir, postgres, OpenSshServer.start(dir));
    } catch (Exception e) {
      postgres.close();
      throw e;
    }
  }

  private JumpHost jumpHost() throws IOException {
    return new JumpHost(
        "bench",
        "bench.yaml",
        "127.0.0.1",
        sshd.port,
        sshd.user,
        sshd.hostKeyLine(),
        null,
        sshd.userKey,
        null,
        false,
        Duration.ofSeconds(15));
  }

  private Opened engine(JumpHost jump, TunnelPool.Settings settings) {
    SecretReader none = SecretReader.none();
    TunnelPool pool = new TunnelPool(Map.of("bench", jump), none, settings);
    SqlTargets.Endpoint local = pool.open(jump, "127.0.0.1", postgres.port(), 0);
    return new Opened() {
      @Override
      public int port() {
        return local.port();
      }

      @Override
      public void close() {
        pool.close();
      }
    };
  }

  private Opened openssh(String cipher) throws IOException {
    int local = OpenSshServer.freePort();
    Process ssh =
        new ProcessBuilder(sshd.forwardCommand(local, "127.0.0.1", postgres.port(), cipher))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("ssh.log").toFile())
            .start();
    return new Opened() {
      @Override
      public int port() {
        return local;
      }

      @Override
      public void close() {
        ssh.destroy();
        try {
          if (!ssh.waitFor(5, TimeUnit.SECONDS)) {
            ssh.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  public List<Variant> variants() {
    return variants;
  }

  /** Every variant once to warm up, then {@code repeats} measured runs, variants interleaved. */
  public void run() throws Exception {
    prepare();
    for (Variant v : variants) {
      measure(v, false);
    }
    for (int i = 0; i < config.repeats(); i++) {
      for (Variant v : variants) {
        measure(v, true);
      }
    }
  }

  private void prepare() throws SQLException {
    try (Connection c = connect(postgres.port(), Duration.ofSeconds(10));
        Statement s = c.createStatement()) {
      s.execute("CREATE UNLOGGED TABLE IF NOT EXISTS sink (line text)");
    }
  }

  private void measure(Variant v, boolean record) throws Exception {
    long started = System.nanoTime();
    try (Opened opened = v.opener.open();
        Connection c = connect(opened.port(), Duration.ofSeconds(20))) {
      selectOne(c);
      double first = (System.nanoTime() - started) / 1e6;
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      long bytes = (long) config.megabytes() << 20;
      int rows = (int) (bytes / 1000);
      long t0 = System.nanoTime();
      Counting sink = new Counting();
      copy.copyOut(
          "COPY (SELECT repeat('x', 999) FROM generate_series(1, " + rows + ")) TO STDOUT", sink);
      double pull = sink.count / 1e6 / ((System.nanoTime() - t0) / 1e9);
      Generated source = new Generated(rows);
      long t1 = System.nanoTime();
      long copied = copy.copyIn("COPY sink FROM STDIN WHERE false", source);
      double push = source.sent / 1e6 / ((System.nanoTime() - t1) / 1e9);
      if (copied != 0) {
        throw new IllegalStateException("COPY ... WHERE false stored rows");
      }
      double[] micros = new double[config.queries()];
      int answered = 0;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1")) {
        for (int i = 0; i < micros.length; i++) {
          long q = System.nanoTime();
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            answered += rs.getInt(1);
          }
          micros[i] = (System.nanoTime() - q) / 1e3;
        }
      }
      Arrays.sort(micros);
      if (record) {
        v.firstSelect.add(first);
        v.pull.add(pull);
        v.push.add(push);
        v.latencyP50.add(micros[micros.length / 2]);
        v.latencyP99.add(micros[Math.min(micros.length - 1, (int) (micros.length * 0.99))]);
        v.pulledBytes += sink.count;
        v.pushedBytes += source.sent;
        v.queriesAnswered += answered;
      }
    }
  }

  /** A JDBC connection, retried until {@code patience} (an OpenSSH forward takes a moment). */
  private Connection connect(int port, Duration patience) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", credentials.username());
    p.setProperty("password", credentials.password());
    p.setProperty("tcpKeepAlive", "true");
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/sshbench", p);
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static void selectOne(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
    }
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
  }

  public void print(PrintStream out) {
    Variant openssh = variants.get(3);
    Variant direct = variants.get(0);
    out.printf(
        "SSH tunnels: PostgreSQL behind a loopback OpenSSH sshd, %d MB each way, %d x SELECT 1,"
            + " medians of %d run(s)%n",
        config.megabytes(), config.queries(), config.repeats());
    out.printf(
        "%-36s %9s %9s %9s %9s %9s %8s %8s %8s %8s%n",
        "variant",
        "pull MB/s",
        "push MB/s",
        "p50 us",
        "p99 us",
        "1st ms",
        "pull/ssh",
        "push/ssh",
        "lat/ssh",
        "pull/dir");
    for (Variant v : variants) {
      out.printf(
          "%-36s %9.0f %9.0f %9.0f %9.0f %9.1f %8.2f %8.2f %8.2f %8.2f%n",
          v.label,
          median(v.pull),
          median(v.push),
          median(v.latencyP50),
          median(v.latencyP99),
          median(v.firstSelect),
          median(v.pull) / median(openssh.pull),
          median(v.push) / median(openssh.push),
          median(v.latencyP50) / median(openssh.latencyP50),
          median(v.pull) / median(direct.pull));
    }
    out.println(
        "ratios: x/ssh against OpenSSH with the same cipher (aes128-gcm, JSch's default);"
            + " lat/ssh below 1 is faster; pull/dir against no tunnel");
  }

  /** Medians by variant label, for tests and the README. */
  public Map<String, double[]> medians() {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (Variant v : variants) {
      out.put(v.label, new double[] {median(v.pull), median(v.push), median(v.latencyP50)});
    }
    return out;
  }

  @Override
  public void close() {
    sshd.close();
    postgres.close();
  }

  public static void main(String[] args) throws Exception {
    int megabytes = Integer.getInteger("bench.megabytes", 200);
    int queries = Integer.getInteger("bench.queries", 2000);
    int repeats = Integer.getInteger("bench.repeats", 5);
    try (SshBench bench = start(new Config(megabytes, queries, repeats))) {
      bench.run();
      bench.print(System.out);
      bench.results().write();
    }
  }

  /**
   * For bench/run: the engine's tunnel (2 MiB window) against OpenSSH's {@code ssh -L} with the
   * same cipher (aes128-gcm), and no tunnel as the ceiling of a download. Throughput: higher is
   * better; latency and connect time: lower is better.
   */
  BenchResults results() {
    Variant direct = variants.get(0);
    Variant engine = variants.get(1);
    Variant openssh = variants.get(3);
    BenchResults results = new BenchResults("ssh");
    String mb = config.megabytes() + " MB";
    for (Variant v : List.of(engine, direct)) {
      results.add(
          "download " + mb + ", vs ssh -L",
          v.label,
          "MB/s",
          median(v.pull),
          median(openssh.pull),
          "");
    }
    results.add(
        "upload " + mb + ", vs ssh -L",
        engine.label,
        "MB/s",
        median(engine.push),
        median(openssh.push),
        "");
    results.add(
        "SELECT 1 p50, vs ssh -L",
        engine.label,
        "us",
        median(engine.latencyP50),
        median(openssh.latencyP50),
        "");
    results.add(
        "open + first SELECT 1, vs ssh -L",
        engine.label,
        "ms",
        median(engine.firstSelect),
        median(openssh.firstSelect),
        "");
    return results;
  }

  /** Counts what COPY TO STDOUT sends. */
  private static final class Counting extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  /** {@code rows} lines of 999 'y' and a newline, generated on the fly. */
  private static final class Generated extends InputStream {
    private static final byte[] LINE = line();
    private final int rows;
    private int row;
    private int pos;
    long sent;

    Generated(int rows) {
      this.rows = rows;
    }

    private static byte[] line() {
      byte[] line = new byte[1000];
      Arrays.fill(line, (byte) 'y');
      line[999] = '\n';
      return line;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (row >= rows) {
        return -1;
      }
      int n = Math.min(len, LINE.length - pos);
      System.arraycopy(LINE, pos, b, off, n);
      pos += n;
      sent += n;
      if (pos == LINE.length) {
        pos = 0;
        row++;
      }
      return n;
    }
  }
}
