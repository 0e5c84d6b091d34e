package dev.runbook.worker.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use the codec server: a file of {@code name token} lines (one viewer each, tokens of at
 * least 24 characters), sent as {@code Authorization: Bearer <token>} (the Temporal UI's
 * codec-server setting "pass access token", or a reverse proxy that adds it). {@link #open()}
 * admits everyone who can reach the port: only for a loopback bind.
 */
public final class CodecViewers {
  private static final int MIN_TOKEN = 24;

  private final Map<String, byte[]> tokens; // viewer -> token
  private final boolean open;

  private CodecViewers(Map<String, byte[]> tokens, boolean open) {
    this.tokens = tokens;
    this.open = open;
  }

  public static CodecViewers open() {
    return new CodecViewers(Map.of(), true);
  }

  public boolean isOpen() {
    return open;
  }

  /** Reads a viewers file, refusing one that others may read. */
  public static CodecViewers read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CodecConfigException("--viewers " + file + ": no such file");
    }
    String text;
    try {
      if (Files.getPosixFilePermissions(file).stream()
          .anyMatch(
              p -> p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE)) {
        throw new CodecConfigException("--viewers " + file + ": readable by others; chmod 600 it");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CodecConfigException("--viewers " + file + ": cannot read it");
    }
    Map<String, byte[]> tokens = new LinkedHashMap<>();
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      String where = "--viewers " + file + ":" + (i + 1);
      if (parts.length != 2) {
        throw new CodecConfigException(where + ": expected 'name token'");
      }
      if (parts[1].length() < MIN_TOKEN) {
        throw new CodecConfigException(
            where + ": the token of " + parts[0] + " is shorter than " + MIN_TOKEN + " characters");
      }
      if (tokens.putIfAbsent(parts[0], parts[1].getBytes(StandardCharsets.UTF_8)) != null) {
        throw new CodecConfigException(where + ": viewer " + parts[0] + " is listed twice");
      }
    }
    if (tokens.isEmpty()) {
      throw new CodecConfigException("--viewers " + file + ": no viewer");
    }
    return new CodecViewers(Map.copyOf(tokens), false);
  }

  /** The viewer an {@code Authorization} header belongs to, compared in constant time. */
  Optional<String> authenticate(String authorization) {
    if (open) {
      return Optional.of("anyone on loopback");
    }
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return Optional.empty();
    }
    byte[] given =
        authorization.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
    String match = null;
    for (Map.Entry<String, byte[]> viewer : tokens.entrySet()) {
      if (MessageDigest.isEqual(viewer.getValue(), given)) {
        match = viewer.getKey();
      }
    }
    return Optional.ofNullable(match);
  }
}
