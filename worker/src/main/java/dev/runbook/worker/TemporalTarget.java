package dev.runbook.worker;

import java.nio.file.Path;

/**
 * Where and as whom to connect: a Temporal frontend, a namespace, optional TLS files and the
 * identity of the person or process acting.
 *
 * @param tlsCert client certificate (PEM) for mutual TLS, or null
 * @param tlsKey the certificate's private key (PKCS#8 PEM), or null
 * @param tlsCa CA certificate (PEM) to trust for the server, or null for the system trust store
 */
public record TemporalTarget(
    String address, String namespace, Path tlsCert, Path tlsKey, Path tlsCa, String identity) {
  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  /** The loopback address of a server on this machine, e.g. one started by {@code runbook dev}. */
  public static TemporalTarget local(int port, String identity) {
    return new TemporalTarget("127.0.0.1:" + port, DEFAULT_NAMESPACE, null, null, null, identity);
  }

  public boolean tls() {
    return tlsCert != null || tlsKey != null || tlsCa != null;
  }

  public TemporalTarget withIdentity(String other) {
    return new TemporalTarget(address, namespace, tlsCert, tlsKey, tlsCa, other);
  }

  /** Connects, checking that the server answers; throws {@link ConnectionFailedException}. */
  public TemporalConnection connect() {
    return TemporalConnection.open(this);
  }
}
