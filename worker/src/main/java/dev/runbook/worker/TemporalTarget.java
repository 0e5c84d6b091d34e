package dev.runbook.worker;

import dev.runbook.worker.codec.PayloadKeys;
import java.nio.file.Path;

/**
 * Where and as whom to connect: a Temporal frontend, a namespace, optional TLS files and the
 * identity of the person or process acting.
 *
 * @param tlsCert client certificate (PEM) for mutual TLS, or null
 * @param tlsKey the certificate's private key (PKCS#8 PEM), or null
 * @param tlsCa CA certificate (PEM) to trust for the server, or null for the system trust store
 * @param payloadKeys the keys that encrypt workflow payloads, or null to send them as plain JSON
 */
public record TemporalTarget(
    String address,
    String namespace,
    Path tlsCert,
    Path tlsKey,
    Path tlsCa,
    String identity,
    PayloadKeys payloadKeys) {
  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  /** Without payload encryption. */
  public TemporalTarget(
      String address, String namespace, Path tlsCert, Path tlsKey, Path tlsCa, String identity) {
    this(address, namespace, tlsCert, tlsKey, tlsCa, identity, null);
  }

  /** The loopback address of a server on this machine, e.g. one started by {@code runbook dev}. */
  public static TemporalTarget local(int port, String identity) {
    return new TemporalTarget("127.0.0.1:" + port, DEFAULT_NAMESPACE, null, null, null, identity);
  }

  public boolean tls() {
    return tlsCert != null || tlsKey != null || tlsCa != null;
  }

  public TemporalTarget withIdentity(String other) {
    return new TemporalTarget(address, namespace, tlsCert, tlsKey, tlsCa, other, payloadKeys);
  }

  /** The same target with payloads encrypted by {@code keys} (null: plain). */
  public TemporalTarget withPayloadKeys(PayloadKeys keys) {
    return new TemporalTarget(address, namespace, tlsCert, tlsKey, tlsCa, identity, keys);
  }

  /** Connects, checking that the server answers; throws {@link ConnectionFailedException}. */
  public TemporalConnection connect() {
    return TemporalConnection.open(this);
  }
}
