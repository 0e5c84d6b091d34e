package dev.runbook.worker;

import dev.runbook.worker.codec.PayloadKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The connection flags every command that talks to Temporal shares (a picocli mixin). Defaults come
 * from the environment variables Temporal's own CLI reads.
 */
public final class ConnectionOptions {
  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description =
          "Temporal frontend (default: $TEMPORAL_ADDRESS, else "
              + TemporalTarget.DEFAULT_ADDRESS
              + ").")
  String address;

  @Option(
      names = "--namespace",
      paramLabel = "NAME",
      description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, else default).")
  String namespace;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Client certificate, PEM, for mutual TLS (default: $TEMPORAL_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Its private key, PKCS#8 PEM (default: $TEMPORAL_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "CA certificate to trust, PEM (default: $TEMPORAL_TLS_CA).")
  Path tlsCa;

  @Option(
      names = "--payload-key-file",
      paramLabel = "FILE",
      description =
          "AES-256 keys (id:base64, the first encrypts) that encrypt workflow payloads, a file"
              + " only its owner may read (default: $RUNBOOK_PAYLOAD_KEYS inline, else"
              + " $RUNBOOK_PAYLOAD_KEY_FILE; none: payloads are plain JSON).")
  Path payloadKeyFile;

  /** Flags first, then the environment, then the defaults. */
  public TemporalTarget target(Map<String, String> env) {
    return new TemporalTarget(
        pick(address, env.get("TEMPORAL_ADDRESS"), TemporalTarget.DEFAULT_ADDRESS),
        pick(namespace, env.get("TEMPORAL_NAMESPACE"), TemporalTarget.DEFAULT_NAMESPACE),
        path(tlsCert, env.get("TEMPORAL_TLS_CERT")),
        path(tlsKey, env.get("TEMPORAL_TLS_KEY")),
        path(tlsCa, env.get("TEMPORAL_TLS_CA")),
        Identity.resolve(env),
        PayloadKeys.fromEnvironment(env, payloadKeyFile).orElse(null));
  }

  /** What is wrong with the flags as given (missing TLS files, a key without its cert), if any. */
  public static Optional<String> problem(TemporalTarget target) {
    if (target.address().isBlank() || !target.address().contains(":")) {
      return Optional.of(
          "--address " + target.address() + ": expected HOST:PORT, e.g. 127.0.0.1:7233");
    }
    if ((target.tlsCert() == null) != (target.tlsKey() == null)) {
      return Optional.of("--tls-cert and --tls-key go together: give both or neither");
    }
    for (Map.Entry<String, Path> file :
        java.util.Arrays.asList(
            Map.entry("--tls-cert", orNone(target.tlsCert())),
            Map.entry("--tls-key", orNone(target.tlsKey())),
            Map.entry("--tls-ca", orNone(target.tlsCa())))) {
      if (file.getValue() != NONE && !Files.isRegularFile(file.getValue())) {
        return Optional.of(file.getKey() + " " + file.getValue() + ": no such file");
      }
    }
    return Optional.empty();
  }

  private static final Path NONE = Path.of("");

  private static Path orNone(Path path) {
    return path == null ? NONE : path;
  }

  private static String pick(String flag, String variable, String fallback) {
    if (flag != null) {
      return flag.strip();
    }
    return variable != null && !variable.isBlank() ? variable.strip() : fallback;
  }

  private static Path path(Path flag, String variable) {
    if (flag != null) {
      return flag;
    }
    return variable != null && !variable.isBlank() ? Path.of(variable.strip()) : null;
  }
}
