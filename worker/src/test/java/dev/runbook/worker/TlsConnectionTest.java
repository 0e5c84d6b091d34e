package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS flags against Temporal's test server behind mutual TLS on 127.0.0.1: certificates made
 * with the JDK's keytool, so nothing beyond the JDK is needed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsConnectionTest {
  @TempDir static Path dir;
  static TestServicesStarter services;
  static Server server;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    keypair("server", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
    keypair("client", "CN=alice", null);
    keypair("stranger", "CN=mallory", null);
    services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sslContext(
                GrpcSslContexts.forServer(
                        dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
                    .trustManager(dir.resolve("client.pem").toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    server = builder.build().start();
    port = server.getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.shutdownNow();
    }
    if (services != null) {
      services.close();
    }
  }

  /** name.p12 by keytool, then name.pem (certificate) and name.key (PKCS#8 key). */
  private static void keypair(String name, String dname, String extension) throws Exception {
    Path keytool =
        Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("keytool");
    Path store = dir.resolve(name + ".p12");
    List<String> generate =
        new java.util.ArrayList<>(
            List.of(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                dname,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit"));
    if (extension != null) {
      generate.addAll(List.of("-ext", extension));
    }
    run(generate);
    run(
        List.of(
            keytool.toString(),
            "-exportcert",
            "-rfc",
            "-alias",
            name,
            "-keystore",
            store.toString(),
            "-storepass",
            "changeit",
            "-file",
            dir.resolve(name + ".pem").toString()));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      keys.load(in, "changeit".toCharArray());
    }
    Key key = keys.getKey(name, "changeit".toCharArray());
    Files.writeString(
        dir.resolve(name + ".key"),
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool hangs");
    assertEquals(0, process.exitValue(), output);
  }

  private static TemporalTarget target(String cert, String key, String ca) {
    return new TemporalTarget(
        "127.0.0.1:" + port,
        "default",
        cert == null ? null : dir.resolve(cert),
        key == null ? null : dir.resolve(key),
        ca == null ? null : dir.resolve(ca),
        "alice");
  }

  @Test
  void theClientCertificateKeyAndCaConnectOverMutualTls() {
    try (TemporalConnection connection =
        target("client.pem", "client.key", "server.pem").connect()) {
      var info =
          connection
              .stubs()
              .blockingStub()
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      assertTrue(info.hasCapabilities());
    }
  }

  @Test
  void aServerCertificateNotSignedByTheCaIsRefusedInOneLine() {
    ConnectionFailedException e =
        assertThrows(
            ConnectionFailedException.class,
            () -> target("client.pem", "client.key", "stranger.pem").connect());

    assertTrue(
        e.getMessage().startsWith("cannot reach Temporal at 127.0.0.1:" + port + " (TLS: "),
        e.getMessage());
    assertTrue(
        e.getMessage().endsWith("); check --tls-ca, --tls-cert and --tls-key"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  @Test
  void aClientCertificateTheServerDoesNotTrustIsRefused() {
    ConnectionFailedException e =
        assertThrows(
            ConnectionFailedException.class,
            () -> target("stranger.pem", "stranger.key", "server.pem").connect());

    assertTrue(
        e.getMessage().startsWith("cannot reach Temporal at 127.0.0.1:" + port + " ("),
        e.getMessage());
  }

  @Test
  void aCaFileWithoutACertificateIsSaid() throws Exception {
    Files.writeString(dir.resolve("empty.pem"), "");

    ConnectionFailedException e =
        assertThrows(
            ConnectionFailedException.class, () -> target(null, null, "empty.pem").connect());

    assertTrue(e.getMessage().startsWith("cannot set up TLS: "), e.getMessage());
  }
}
