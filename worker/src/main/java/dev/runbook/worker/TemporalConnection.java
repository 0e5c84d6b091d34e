package dev.runbook.worker;

import dev.runbook.worker.codec.PayloadEncryption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** An open connection to Temporal: the service stubs and a client for one namespace. */
public final class TemporalConnection implements AutoCloseable {
  /** How long the first contact may take before the server counts as unreachable. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final TemporalTarget target;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;

  private TemporalConnection(TemporalTarget target, WorkflowServiceStubs stubs) {
    this.target = target;
    this.stubs = stubs;
    this.client = WorkflowClient.newInstance(stubs, clientOptions(target.identity()));
  }

  static TemporalConnection open(TemporalTarget target) {
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(target.address())
            .setHealthCheckTimeout(CONNECT_TIMEOUT)
            .setRpcQueryTimeout(Duration.ofSeconds(10));
    if (target.tls()) {
      options.setSslContext(sslContext(target));
    }
    probe(target.address());
    WorkflowServiceStubs stubs;
    try {
      stubs = WorkflowServiceStubs.newConnectedServiceStubs(options.build(), CONNECT_TIMEOUT);
    } catch (RuntimeException e) {
      Optional<String> tls = tlsFailure(e);
      if (tls.isPresent()) {
        throw new ConnectionFailedException(
            "cannot reach Temporal at "
                + target.address()
                + " (TLS: "
                + tls.get()
                + "); check --tls-ca, --tls-cert and --tls-key");
      }
      throw unreachable(target.address(), reason(e));
    }
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .describeNamespace(
              DescribeNamespaceRequest.newBuilder().setNamespace(target.namespace()).build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.NOT_FOUND) {
        stubs.shutdownNow();
        throw new ConnectionFailedException(
            "namespace '"
                + target.namespace()
                + "' does not exist on "
                + target.address()
                + "; pass --namespace (or TEMPORAL_NAMESPACE), or create it: temporal operator"
                + " namespace create --namespace "
                + target.namespace());
      }
      if (code != Status.Code.UNIMPLEMENTED && code != Status.Code.PERMISSION_DENIED) {
        stubs.shutdownNow();
        throw new ConnectionFailedException(
            "cannot use Temporal at " + target.address() + " (" + reason(e) + ")");
      }
    }
    return new TemporalConnection(target, stubs);
  }

  private static ConnectionFailedException unreachable(String address, String reason) {
    return new ConnectionFailedException(
        "cannot reach Temporal at "
            + address
            + " ("
            + reason
            + "); is a server running there? `runbook dev` starts one on this machine");
  }

  /**
   * A plain TCP connect first, so that nothing listening is said at once (gRPC's health check would
   * retry until its timeout). Addresses that are not HOST:PORT are left to gRPC.
   */
  private static void probe(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")) {
      return;
    }
    String host = address.substring(0, colon).replaceAll("^\\[|\\]$", "");
    int port = Integer.parseInt(address.substring(colon + 1));
    if (port > 65535) {
      return;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
    } catch (UnknownHostException e) {
      throw unreachable(address, "unknown host " + host);
    } catch (ConnectException e) {
      throw unreachable(address, "connection refused");
    } catch (SocketTimeoutException e) {
      throw unreachable(address, "no answer in " + CONNECT_TIMEOUT.toSeconds() + "s");
    } catch (IOException e) {
      throw unreachable(address, e.getMessage());
    }
  }

  public TemporalTarget target() {
    return target;
  }

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  public WorkflowClient client() {
    return client;
  }

  public String namespace() {
    return target.namespace();
  }

  public String identity() {
    return target.identity();
  }

  /** The same connection acting as someone else (e.g. a second reviewer in the demo). */
  public WorkflowClient clientAs(String identity) {
    return WorkflowClient.newInstance(stubs, clientOptions(identity));
  }

  /** Namespace, identity and, with payload keys, the encrypting data converter. */
  private WorkflowClientOptions clientOptions(String identity) {
    return WorkflowClientOptions.newBuilder()
        .setNamespace(target.namespace())
        .setIdentity(identity)
        .setDataConverter(PayloadEncryption.dataConverter(target.payloadKeys()))
        .build();
  }

  @Override
  public void close() {
    stubs.shutdown();
    if (!stubs.awaitTermination(2, TimeUnit.SECONDS)) {
      stubs.shutdownNow();
    }
  }

  /** One line saying why a call failed: the gRPC status when there is one. */
  public static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        Status status = s.getStatus();
        String description = status.getDescription();
        return oneLine(
            status.getCode()
                + (description == null || description.isBlank() ? "" : ": " + description));
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return oneLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
  }

  /** The TLS handshake's complaint somewhere in a cause chain, if any. */
  static Optional<String> tlsFailure(Throwable e) {
    String found = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        found = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      }
    }
    return Optional.ofNullable(found).map(TemporalConnection::oneLine);
  }

  /** Only the first line: gRPC descriptions carry Netty's pipeline on the next ones. */
  public static String oneLine(String text) {
    String first = text.strip().lines().findFirst().orElse("");
    return first.strip();
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(
      TemporalTarget target) {
    try {
      SimpleSslContextBuilder builder;
      if (target.tlsCert() != null) {
        // The builder reads its streams only in build(): hand it the bytes, not open files.
        builder =
            SimpleSslContextBuilder.forPKCS8(
                new ByteArrayInputStream(Files.readAllBytes(target.tlsCert())),
                new ByteArrayInputStream(Files.readAllBytes(target.tlsKey())));
      } else {
        builder = SimpleSslContextBuilder.noKeyOrCertChain();
      }
      if (target.tlsCa() != null) {
        builder.setTrustManager(trustManager(target));
      }
      return builder.build();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new ConnectionFailedException("cannot set up TLS: " + reason(e));
    }
  }

  private static TrustManager trustManager(TemporalTarget target)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(target.tlsCa())) {
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      if (i == 0) {
        throw new GeneralSecurityException(target.tlsCa() + " holds no certificate");
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers()[0];
  }
}
