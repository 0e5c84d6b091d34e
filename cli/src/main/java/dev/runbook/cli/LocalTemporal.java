package dev.runbook.cli;

import dev.runbook.engine.workflow.RunSearchAttributes;
import dev.runbook.worker.TemporalConnection;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's test server (in memory, real time) in this process, listening on 127.0.0.1 only.
 *
 * <p>{@code TestServer.createPortBoundServer} binds every interface; this builds the same server
 * from its parts ({@code TestServicesStarter}, {@code GRPCServerHelper}) on the loopback address.
 * Both are internal classes of temporal-test-server, pinned in the parent pom: on an upgrade that
 * moves them, fall back to {@code createPortBoundServer} and keep announcing 127.0.0.1.
 */
final class LocalTemporal implements AutoCloseable {
  private final TestServicesStarter services;
  private final Server server;

  private LocalTemporal(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  /** Starts on {@code port} of 127.0.0.1 (0: any free port); exit 3 when the port is taken. */
  static LocalTemporal start(int port) {
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
            InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      return new LocalTemporal(services, builder.build().start());
    } catch (IOException e) {
      services.close();
      throw new CliException(
          ExitCode.UNEXPECTED_STATE,
          "cannot listen on 127.0.0.1:"
              + port
              + " ("
              + e.getMessage()
              + "); is another `runbook dev` or Temporal server running? Pass --port");
    }
  }

  int port() {
    return server.getPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  /** Registers the runbook search attributes on the connection's namespace. */
  static List<String> registerSearchAttributes(TemporalConnection connection) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(connection.stubs().getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      AddSearchAttributesRequest.Builder request =
          AddSearchAttributesRequest.newBuilder().setNamespace(connection.namespace());
      for (SearchAttributeKey<?> key : RunSearchAttributes.ALL) {
        request.putSearchAttributes(key.getName(), key.getValueType());
      }
      operator.blockingStub().addSearchAttributes(request.build());
      return RunSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).toList();
    } finally {
      operator.shutdown();
    }
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    services.close();
  }
}
