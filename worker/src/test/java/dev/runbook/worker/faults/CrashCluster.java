package dev.runbook.worker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.worker.TemporalConnection;
import dev.runbook.worker.TemporalTarget;
import dev.runbook.worker.WorkerMain;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import dev.runbook.worker.sql.LocalCredentialSource;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * What the process-level crash tests run on: Temporal's test server on a free port of 127.0.0.1
 * (real time), the embedded PostgreSQL as {@code local}, copies of {@code runbooks/environments}
 * pointing {@code local} at it, and worker processes: {@link CrashingWorkerMain} while kill points
 * are armed, else the real {@link WorkerMain}.
 */
final class CrashCluster implements AutoCloseable {
  static final Path RUNBOOKS = Path.of("..", "runbooks");

  final LocalPostgres postgres;
  final Path work;
  private final Path source = RUNBOOKS.resolve("environments");
  final TemporalConnection connection;
  private final Credentials login;
  private final TestServicesStarter services;
  private final Server server;
  final int port;

  CrashCluster() throws IOException {
    work = Files.createTempDirectory("runbook-crash-");
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(source, problems);
    assertEquals(List.of(), problems);
    postgres =
        LocalPostgres.start(
            new LocalPostgres.Options(
                0, LocalDatabases.of(envs.get("local").spec()).databases(), null));
    login = LocalSecrets.read(postgres.secretsFile()).get("local/platform");
    services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    builder.intercept(new NoStickyQueues());
    server = builder.build().start();
    port = server.getPort();
    connection = TemporalTarget.local(port, "crash-test").connect();
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(connection.stubs().getRawChannel())
                .validateAndBuildWithDefaults());
    AddSearchAttributesRequest.Builder request =
        AddSearchAttributesRequest.newBuilder().setNamespace("default");
    for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
      request.putSearchAttributes(key.getName(), key.getValueType());
    }
    operator.blockingStub().addSearchAttributes(request.build());
    operator.shutdown();
  }

  /**
   * A copy of runbooks/environments whose {@code local} points at the embedded PostgreSQL and has
   * its own task queue, so that lanes of runs on different databases run side by side without one
   * lane's kills reaching the other's steps.
   */
  Path environments(String lane) throws IOException {
    Path dir = Files.createDirectories(work.resolve("environments-" + lane));
    try (var files = Files.list(source)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        String text = Files.readString(file);
        if (file.getFileName().toString().equals("local.yaml")) {
          text =
              text.replace("port: 5432", "port: " + postgres.port())
                  .replace("taskQueue: runbook-local", "taskQueue: runbook-local-" + lane);
        }
        Files.writeString(dir.resolve(file.getFileName()), text);
      }
    }
    return dir;
  }

  /** The runbook compiled for {@code local} as {@code runbook run} would: its own timeouts. */
  Plan plan(Path environments, String file, Map<String, String> params) {
    ValidatedRunbook runbook = Workspace.runbook(RUNBOOKS.resolve(file)).value().orElseThrow();
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs = Workspace.environments(environments, problems);
    PlanCompiler.Result result = PlanCompiler.compile(runbook, envs, "local", params);
    assertEquals(List.of(), result.diagnostics());
    return result.plan().orElseThrow();
  }

  boolean running(String runId) {
    return connection
            .stubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default")
                    .setExecution(
                        io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                            .setWorkflowId(runId))
                    .build())
            .getWorkflowExecutionInfo()
            .getStatus()
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /** A worker process: crashing at {@code points} (each fires once), the real one when empty. */
  WorkerProcessHandle startWorker(Path environments, List<String> points) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xshare:auto"));
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    String logging = System.getProperty("logback.configurationFile");
    if (logging != null) {
      command.add("-Dlogback.configurationFile=" + logging);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    if (points.isEmpty()) {
      command.addAll(
          List.of(
              WorkerMain.class.getName(),
              "--env",
              "local",
              "--environments",
              environments.toString(),
              "--address",
              "127.0.0.1:" + port));
    } else {
      command.addAll(
          List.of(
              CrashingWorkerMain.class.getName(),
              "local",
              environments.toString(),
              String.valueOf(port)));
    }
    Path markers = Files.createDirectories(work.resolve("markers"));
    Path out = Files.createTempFile(work, "worker-", ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    builder.environment().put(LocalCredentialSource.VARIABLE, postgres.secretsFile().toString());
    builder.environment().put("CRASH_POINTS", String.join(",", points));
    builder.environment().put("CRASH_DIR", markers.toString());
    // the SDK's 1s deadlock detector fails workflow tasks on a heavily loaded machine (a test
    // machine shared with other builds); off here, where it only slows the test down
    builder.environment().put("TEMPORAL_DEBUG", "true");
    return new WorkerProcessHandle(builder.start(), out);
  }

  Path marker(String point) {
    return work.resolve("markers").resolve(point.replace('/', '~'));
  }

  /** A worker process and its output file. */
  record WorkerProcessHandle(Process process, Path out) {
    boolean ready() {
      return output().contains("ready;");
    }

    String output() {
      try {
        return Files.readString(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** SIGKILL, and wait until it is gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the worker survived SIGKILL");
      }
    }
  }

  Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", login.username());
    p.setProperty("password", login.password());
    return DriverManager.getConnection(postgres.jdbcUrl(database), p);
  }

  void exec(String database, String... statements) {
    try (Connection c = connect(database);
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  long count(String database, String sql, String... params) {
    try (Connection c = connect(database);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        s.setString(i + 1, params[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** sha256 over every row of {@code table} ordered by its first column. */
  String checksum(String database, String table) {
    try (Connection c = connect(database);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      ResultSetMetaData md = r.getMetaData();
      int rows = 0;
      while (r.next()) {
        rows++;
        for (int i = 1; i <= md.getColumnCount(); i++) {
          digest.update((md.getColumnLabel(i) + "=" + r.getString(i) + "|").getBytes());
        }
        digest.update((byte) '\n');
      }
      return rows + ":" + HexFormat.of().formatHex(digest.digest());
    } catch (SQLException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    connection.close();
    server.shutdownNow();
    services.close();
    postgres.close();
  }
}
