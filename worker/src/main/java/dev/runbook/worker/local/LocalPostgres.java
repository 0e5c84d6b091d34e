package dev.runbook.worker.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * An embedded PostgreSQL (zonky's binaries, run by {@code pg_ctl}) on 127.0.0.1 that plays the
 * databases of the {@code local} environment: {@code runbook dev} starts it, the SQL steps and the
 * demo reach it.
 *
 * <p>At every start it creates each database of {@link LocalDatabases} that is missing, owned by
 * the role {@value #ROLE}, whose password is new at every start. The password is never printed nor
 * logged: it is written, with 0600 rights, to {@link LocalSecrets#FILE} (secretId -> username and
 * password, what the worker reads) and to a {@code pgpass} file (for {@code PGPASSFILE=... psql}),
 * both in {@link #directory()}.
 *
 * <p>Layout of the directory: {@code pgdata/} (the cluster), {@code postgres.log}, the two secrets
 * files and {@code .superuser} (the password of the cluster's superuser {@code postgres}, 0600,
 * which this class uses to create the role and the databases). Only TCP on 127.0.0.1 is open (no
 * Unix socket) and every connection needs a password (scram-sha-256).
 *
 * <p>{@link #close()} stops the server ({@code pg_ctl stop -m fast}, then the postmaster is killed
 * if still there) and removes the directory unless it was given ({@link Options#directory}). A
 * shutdown hook does the same if the JVM ends without {@code close()}.
 */
public final class LocalPostgres implements AutoCloseable {
  /** The role that owns the databases; its password is new at every start. */
  public static final String ROLE = "runbook";

  /** The pgpass file's name in {@link #directory()}. */
  public static final String PGPASS_FILE = "pgpass";

  private static final String SUPERUSER = "postgres";
  private static final String SUPERUSER_FILE = ".superuser";
  private static final String HOST = "127.0.0.1";
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * What to start.
   *
   * @param port the port on 127.0.0.1; 0 picks a free one
   * @param databases the databases to create and their secretIds
   * @param directory where to keep the cluster between runs; null: a new temporary directory,
   *     removed by {@link #close()}
   */
  public record Options(int port, List<LocalDatabases.Database> databases, Path directory) {
    public Options {
      databases = List.copyOf(databases);
    }
  }

  private final EmbeddedPostgres server;
  private final Path directory;
  private final boolean temporary;
  private final int port;
  private final List<LocalDatabases.Database> databases;
  private final String version;
  private final long postmasterPid;
  private final Thread shutdownHook;
  private boolean closed;

  private LocalPostgres(
      EmbeddedPostgres server,
      Path directory,
      boolean temporary,
      int port,
      List<LocalDatabases.Database> databases,
      String version,
      long postmasterPid) {
    this.server = server;
    this.directory = directory;
    this.temporary = temporary;
    this.port = port;
    this.databases = databases;
    this.version = version;
    this.postmasterPid = postmasterPid;
    this.shutdownHook = new Thread(this::close, "local-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the server, creates the role and the missing databases and writes the secrets files.
   *
   * @throws LocalPostgresException with a one-line reason ({@link
   *     LocalPostgresException#portTaken()} when the port is in use)
   */
  public static LocalPostgres start(Options options) {
    int port = options.port() == 0 ? freePort() : checkPort(options.port());
    boolean temporary = options.directory() == null;
    Path directory;
    try {
      directory =
          temporary
              ? Files.createTempDirectory("runbook-pg-")
              : Files.createDirectories(options.directory().toAbsolutePath().normalize());
    } catch (IOException e) {
      throw new LocalPostgresException(
          "cannot create the PostgreSQL directory " + options.directory() + ": " + e.getMessage(),
          false);
    }
    Path pgdata = directory.resolve("pgdata");
    EmbeddedPostgres server = null;
    try {
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
      String superuserPassword = superuserPassword(directory, pgdata);
      server =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgdata)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setPort(port)
              .setPGStartupWait(STARTUP_WAIT)
              .setServerConfig("listen_addresses", HOST)
              .setServerConfig("unix_socket_directories", "")
              .setServerConfig("password_encryption", "scram-sha-256")
              // initdb only (zonky passes these as --key=value): the superuser's password, C locale
              .setLocaleConfig("pwfile", directory.resolve(SUPERUSER_FILE).toString())
              .setLocaleConfig("locale", "C")
              .setConnectConfig("password", superuserPassword)
              .setDataDirectoryCustomizer(LocalPostgres::writeHba)
              .setOutputRedirector(
                  ProcessBuilder.Redirect.appendTo(directory.resolve("postgres.log").toFile()))
              .setErrorRedirector(
                  ProcessBuilder.Redirect.appendTo(directory.resolve("postgres.log").toFile()))
              .start();
      String password = newPassword();
      String version = prepare(port, superuserPassword, options.databases(), password);
      writeSecrets(directory, port, options.databases(), password);
      return new LocalPostgres(
          server,
          directory,
          temporary,
          port,
          options.databases(),
          version,
          postmasterPid(pgdata).orElse(-1L));
    } catch (IOException | SQLException | RuntimeException e) {
      stop(server, pgdata, postmasterPid(pgdata).orElse(-1L));
      if (temporary) {
        delete(directory);
      }
      if (e instanceof LocalPostgresException failure) {
        throw failure;
      }
      throw new LocalPostgresException(
          "the embedded PostgreSQL did not start on "
              + HOST
              + ":"
              + port
              + " ("
              + oneLine(e)
              + "); see "
              + directory.resolve("postgres.log")
              + (temporary ? " (removed now)" : ""),
          false);
    }
  }

  /** The port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The server's version, e.g. {@code 18.1}. */
  public String version() {
    return version;
  }

  /** The directory of the cluster, the log and the secrets files. */
  public Path directory() {
    return directory;
  }

  /** True when {@link #close()} removes {@link #directory()}. */
  public boolean temporary() {
    return temporary;
  }

  public List<LocalDatabases.Database> databases() {
    return databases;
  }

  /** secretId -> {@value #ROLE} and its password (0600). */
  public Path secretsFile() {
    return directory.resolve(LocalSecrets.FILE);
  }

  /** A pgpass file with a line per database (0600). */
  public Path pgpassFile() {
    return directory.resolve(PGPASS_FILE);
  }

  /** The JDBC URL of a database (no credentials in it). */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
  }

  /** How to connect with psql, without the password: {@code PGPASSFILE=... psql "host=..."}. */
  public String psql(String database) {
    return "PGPASSFILE="
        + pgpassFile()
        + " psql \"host="
        + HOST
        + " port="
        + port
        + " dbname="
        + database
        + " user="
        + ROLE
        + "\"";
  }

  /** The postmaster's process id, or -1 when unknown. */
  public long pid() {
    return postmasterPid;
  }

  /** Stops the server and waits for it; removes the directory if it was temporary. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop(server, directory.resolve("pgdata"), postmasterPid);
    if (temporary) {
      delete(directory);
    }
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs and finds it closed
      }
    }
  }

  /** The superuser's password: new with a new cluster, else the one kept beside it. */
  private static String superuserPassword(Path directory, Path pgdata) throws IOException {
    Path file = directory.resolve(SUPERUSER_FILE);
    if (Files.exists(pgdata.resolve("postgresql.conf"))) {
      if (!Files.isRegularFile(file)) {
        throw new LocalPostgresException(
            pgdata + " holds a cluster that runbook did not make (no " + file + ")", false);
      }
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    String password = newPassword();
    LocalSecrets.writeOwnerOnly(file, password + "\n"); // initdb --pwfile reads it
    return password;
  }

  /** Every connection over TCP on 127.0.0.1 with a password; nothing else. */
  private static void writeHba(java.io.File pgdata) {
    try {
      Files.writeString(
          pgdata.toPath().resolve("pg_hba.conf"),
          "# written by runbook (LocalPostgres) at every start\n"
              + "host all all 127.0.0.1/32 scram-sha-256\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates or updates the role, creates the missing databases; returns the server version. */
  private static String prepare(
      int port, String superuserPassword, List<LocalDatabases.Database> databases, String password)
      throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", SUPERUSER);
    properties.setProperty("password", superuserPassword);
    properties.setProperty("connectTimeout", "10");
    try (Connection connection =
            DriverManager.getConnection(
                "jdbc:postgresql://" + HOST + ":" + port + "/postgres", properties);
        Statement statement = connection.createStatement()) {
      boolean exists;
      try (PreparedStatement query =
          connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
        query.setString(1, ROLE);
        try (ResultSet rows = query.executeQuery()) {
          exists = rows.next();
        }
      }
      statement.execute(
          (exists ? "ALTER" : "CREATE")
              + " ROLE "
              + identifier(ROLE)
              // CREATEDB: the local cloud provider's snapshots and restores are database copies
              + " LOGIN NOSUPERUSER CREATEDB NOCREATEROLE");
      // The password is hashed here (SCRAM) and only the hash is sent: never in any statement.
      connection
          .unwrap(PGConnection.class)
          .alterUserPassword(ROLE, password.toCharArray(), "scram-sha-256");
      for (LocalDatabases.Database database : databases) {
        boolean present;
        try (PreparedStatement query =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
          query.setString(1, database.database());
          try (ResultSet rows = query.executeQuery()) {
            present = rows.next();
          }
        }
        statement.execute(
            present
                ? "ALTER DATABASE " + identifier(database.database()) + " OWNER TO " + ROLE
                : "CREATE DATABASE " + identifier(database.database()) + " OWNER " + ROLE);
      }
      try (ResultSet rows = statement.executeQuery("SHOW server_version")) {
        rows.next();
        return rows.getString(1).split(" ")[0];
      }
    }
  }

  private static void writeSecrets(
      Path directory, int port, List<LocalDatabases.Database> databases, String password)
      throws IOException {
    Map<String, Credentials> secrets = new LinkedHashMap<>();
    List<String> pgpass = new ArrayList<>();
    for (LocalDatabases.Database database : databases) {
      secrets.put(database.secretId(), new Credentials(ROLE, password));
      pgpass.add(
          String.join(
              ":", HOST, String.valueOf(port), pgpassField(database.database()), ROLE, password));
    }
    LocalSecrets.write(directory.resolve(LocalSecrets.FILE), secrets);
    LocalSecrets.writeOwnerOnly(
        directory.resolve(PGPASS_FILE), pgpass.isEmpty() ? "" : String.join("\n", pgpass) + "\n");
  }

  /** Stops the postmaster: {@code pg_ctl stop}, then signals if it is still there. */
  private static void stop(EmbeddedPostgres server, Path pgdata, long pid) {
    if (server != null) {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        // falls through to the signals below
      }
    }
    Optional<ProcessHandle> postmaster =
        pid > 0 ? ProcessHandle.of(pid) : postmasterPid(pgdata).flatMap(ProcessHandle::of);
    postmaster.ifPresent(
        process -> {
          process.destroy(); // SIGTERM: PostgreSQL's smart shutdown
          if (!waitFor(process)) {
            process.destroyForcibly();
            waitFor(process);
          }
        });
  }

  private static boolean waitFor(ProcessHandle process) {
    try {
      process.onExit().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return !process.isAlive();
    }
  }

  /** The postmaster's pid from {@code postmaster.pid}, while the file is there. */
  private static Optional<Long> postmasterPid(Path pgdata) {
    try {
      List<String> lines = Files.readAllLines(pgdata.resolve("postmaster.pid"));
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static int checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new LocalPostgresException("port " + port + ": expected 1 to 65535", false);
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return port;
    } catch (IOException e) {
      throw new LocalPostgresException(
          "cannot listen on " + HOST + ":" + port + " (" + e.getMessage() + ")", true);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new LocalPostgresException("no free port on " + HOST + ": " + e.getMessage(), false);
    }
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String identifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static String pgpassField(String value) {
    return value.replace("\\", "\\\\").replace(":", "\\:");
  }

  private static String oneLine(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  private static void delete(Path directory) {
    try {
      Files.walkFileTree(
          directory,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}
