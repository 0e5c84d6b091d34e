package dev.runbook.worker.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys that encrypt workflow payloads: the first one encrypts, every one decrypts, so a
 * key is rotated by putting the new one first and keeping the old ones until no history needs them.
 * Written {@code id:base64key}, one per line or separated by commas. {@link #toString()} names the
 * ids only.
 */
public final class PayloadKeys {
  /** Inline keys (e.g. from the orchestrator's secret store). */
  public static final String KEYS_VARIABLE = "RUNBOOK_PAYLOAD_KEYS";

  /** A file holding the keys, readable by its owner only. */
  public static final String KEY_FILE_VARIABLE = "RUNBOOK_PAYLOAD_KEY_FILE";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int KEY_BYTES = 32;

  private final Map<String, SecretKey> keys;
  private final String current;

  private PayloadKeys(Map<String, SecretKey> keys) {
    this.keys = Map.copyOf(keys);
    this.current = keys.keySet().iterator().next();
  }

  /**
   * The keys the environment names: {@value #KEYS_VARIABLE}, else the file of {@code keyFile} or
   * {@value #KEY_FILE_VARIABLE}; empty when none is set (payloads then stay plain JSON).
   */
  public static Optional<PayloadKeys> fromEnvironment(Map<String, String> env, Path keyFile) {
    String inline = env.get(KEYS_VARIABLE);
    if (inline != null && !inline.isBlank()) {
      return Optional.of(parse(inline, KEYS_VARIABLE));
    }
    Path file = keyFile;
    if (file == null
        && env.get(KEY_FILE_VARIABLE) != null
        && !env.get(KEY_FILE_VARIABLE).isBlank()) {
      file = Path.of(env.get(KEY_FILE_VARIABLE).strip());
    }
    return file == null ? Optional.empty() : Optional.of(read(file));
  }

  /** Reads a key file, refusing one that others may read. */
  public static PayloadKeys read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CodecConfigException("payload key file " + file + ": no such file");
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        throw new CodecConfigException(
            "payload key file " + file + ": readable by others; chmod 600 it");
      }
      return parse(Files.readString(file, StandardCharsets.UTF_8), "payload key file " + file);
    } catch (UnsupportedOperationException e) {
      throw new CodecConfigException("payload key file " + file + ": cannot check its permissions");
    } catch (IOException e) {
      throw new CodecConfigException("payload key file " + file + ": cannot read it");
    }
  }

  /** Parses {@code id:base64key} entries; {@code source} names them in errors. */
  public static PayloadKeys parse(String text, String source) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    List<String> entries = new ArrayList<>();
    for (String line : text.split("[,\\n]")) {
      String entry = line.strip();
      if (!entry.isEmpty() && !entry.startsWith("#")) {
        entries.add(entry);
      }
    }
    if (entries.isEmpty()) {
      throw new CodecConfigException(source + ": no key (expected id:base64key)");
    }
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      String where = source + ": key " + (i + 1);
      int colon = entry.indexOf(':');
      if (colon < 0) {
        throw new CodecConfigException(where + ": expected id:base64key");
      }
      String id = entry.substring(0, colon).strip();
      if (!ID.matcher(id).matches()) {
        throw new CodecConfigException(
            where + ": the id must be 1-64 letters, digits, '.', '_' or '-'");
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
      } catch (IllegalArgumentException e) {
        throw new CodecConfigException(where + " (" + id + "): the key is not base64");
      }
      if (key.length != KEY_BYTES) {
        throw new CodecConfigException(
            where + " (" + id + "): expected 32 bytes (AES-256), got " + key.length);
      }
      if (keys.putIfAbsent(id, new SecretKeySpec(key, "AES")) != null) {
        throw new CodecConfigException(where + ": the id " + id + " is given twice");
      }
    }
    return new PayloadKeys(keys);
  }

  /** A new random key entry, {@code id:base64key}, for a key file. */
  public static String generate(String id) {
    if (!ID.matcher(id).matches()) {
      throw new CodecConfigException(
          "key id " + id + ": must be 1-64 letters, digits, '.', '_' or '-'");
    }
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return id + ":" + Base64.getEncoder().encodeToString(key);
  }

  /** The id of the key that encrypts. */
  public String currentId() {
    return current;
  }

  SecretKey current() {
    return keys.get(current);
  }

  Optional<SecretKey> byId(String id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** The ids, the encrypting one first. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>(keys.keySet());
    ids.remove(current);
    ids.sort(String::compareTo);
    ids.add(0, current);
    return ids;
  }

  @Override
  public String toString() {
    return "PayloadKeys" + ids();
  }
}
