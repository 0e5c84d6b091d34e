package dev.runbook.worker;

import dev.runbook.engine.workflow.RunSearchAttributes;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Temporal's test server on a free port, reached on 127.0.0.1, with the search attributes. */
final class LocalServer implements AutoCloseable {
  final int port;
  final TemporalConnection connection;
  private final TestServer.PortBoundTestServer server;

  LocalServer() {
    port = freePort();
    server = TestServer.createPortBoundServer(port);
    connection = TemporalTarget.local(port, "test").connect();
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

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** runbooks/environments of the repository. */
  static Path environments() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("runbooks").resolve("environments");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no runbooks/environments above " + Path.of("").toAbsolutePath());
  }

  @Override
  public void close() {
    connection.close();
    server.close();
  }
}
