package dev.runbook.worker.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real MariaDB server (Debian's {@code mariadb-server}, which .ci/run installs) on a free port of
 * 127.0.0.1 with a temporary data directory, for tests. A missing server is an error, never a skip.
 * Public for the migration tests ({@code dev.runbook.worker.flyway}).
 */
public final class MariaDbServer implements AutoCloseable {
  final int port;
  final Path directory;
  private final Process process;
  private final String rootPassword;

  private MariaDbServer(int port, Path directory, Process process, String rootPassword) {
    this.port = port;
    this.directory = directory;
    this.process = process;
    this.rootPassword = rootPassword;
  }

  public static MariaDbServer start(String rootPassword) {
    Path mariadbd = binary("mariadbd", "/usr/sbin/mariadbd");
    Path installDb = binary("mariadb-install-db", "/usr/bin/mariadb-install-db");
    try {
      Path dir = Files.createTempDirectory("runbook-mariadb-");
      Path data = dir.resolve("data");
      Process install =
          new ProcessBuilder(
                  installDb.toString(),
                  "--no-defaults",
                  "--datadir=" + data,
                  "--auth-root-authentication-method=normal",
                  "--user=root",
                  "--skip-test-db")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("install.log").toFile())
              .start();
      if (!install.waitFor(120, TimeUnit.SECONDS) || install.exitValue() != 0) {
        install.destroyForcibly();
        throw new IllegalStateException(
            "mariadb-install-db failed; see " + dir.resolve("install.log"));
      }
      int port = freePort();
      Process server =
          new ProcessBuilder(
                  mariadbd.toString(),
                  "--no-defaults",
                  "--datadir=" + data,
                  "--port=" + port,
                  "--bind-address=127.0.0.1",
                  "--socket=" + dir.resolve("mariadb.sock"),
                  "--pid-file=" + dir.resolve("mariadb.pid"),
                  "--user=root",
                  "--skip-name-resolve",
                  "--innodb-buffer-pool-size=32M",
                  "--log-error=" + dir.resolve("error.log"))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      MariaDbServer started = new MariaDbServer(port, dir, server, rootPassword);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
      started.awaitReady();
      try (Connection c = started.connect("root", "", "mysql");
          Statement s = c.createStatement()) {
        List<String> hosts = new java.util.ArrayList<>();
        try (java.sql.ResultSet r =
            s.executeQuery(
                "SELECT host FROM mysql.user WHERE user = 'root'"
                    + " AND host IN ('localhost', '127.0.0.1', '::1')")) {
          while (r.next()) {
            hosts.add(r.getString(1));
          }
        }
        for (String host : hosts) {
          s.execute("ALTER USER 'root'@'" + host + "' IDENTIFIED BY '" + rootPassword + "'");
        }
      }
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("MariaDB did not accept the root password change", e);
    }
  }

  /** Creates a database and a user that owns it. */
  public void createDatabase(String database, String user, String password) throws SQLException {
    try (Connection c = root("mysql");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE IF NOT EXISTS `" + database + "`");
      s.execute(
          "CREATE USER IF NOT EXISTS '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "'");
      s.execute("GRANT ALL ON `" + database + "`.* TO '" + user + "'@'127.0.0.1'");
    }
  }

  Connection root(String database) throws SQLException {
    return connect("root", rootPassword, database);
  }

  Connection connect(String user, String password, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/" + database, p);
  }

  /** The port on 127.0.0.1. */
  public int port() {
    return port;
  }

  private void awaitReady() throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    SQLException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mariadbd exited (" + process.exitValue() + "); see " + directory.resolve("error.log"));
      }
      try (Connection c = connect("root", "", "mysql")) {
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("mariadbd did not accept connections in 60s", last);
  }

  private static Path binary(String name, String usual) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        name
            + " not found (expected "
            + usual
            + "): install Debian's MariaDB server, `apt-get install -y mariadb-server`"
            + " (.ci/run does)");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
