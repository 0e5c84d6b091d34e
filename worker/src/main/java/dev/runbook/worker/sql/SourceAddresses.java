package dev.runbook.worker.sql;

import dev.runbook.engine.workflow.FailureType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The addresses a database sees tunnel connections come from ({@code access.tunnelSources}, CIDRs
 * such as {@code 10.0.1.15/32}), and whether a session's client address is one of them. Only
 * literal addresses are compared: a host name (a server without skip-name-resolve) never matches,
 * so nothing is terminated on a guess.
 */
final class SourceAddresses {
  private record Block(byte[] network, int prefix) {}

  private final List<Block> blocks;
  private final List<String> texts;

  private SourceAddresses(List<Block> blocks, List<String> texts) {
    this.blocks = blocks;
    this.texts = List.copyOf(texts);
  }

  /** Parses CIDRs; a malformed one is a CONFIGURATION failure naming it. */
  static SourceAddresses of(List<String> cidrs) {
    List<Block> blocks = new ArrayList<>();
    for (String cidr : cidrs) {
      int slash = cidr.indexOf('/');
      Optional<byte[]> address = slash < 0 ? Optional.empty() : literal(cidr.substring(0, slash));
      int prefix = -1;
      try {
        prefix = slash < 0 ? -1 : Integer.parseInt(cidr.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (address.isEmpty() || prefix < 0 || prefix > address.get().length * 8) {
        throw FailureType.CONFIGURATION.failure(
            "access.tunnelSources: expected CIDRs such as 10.0.1.15/32, got " + cidr);
      }
      blocks.add(new Block(address.get(), prefix));
    }
    return new SourceAddresses(blocks, cidrs);
  }

  /** True when {@code client} (an IP literal, maybe {@code ip:port} or {@code [ip]:port}) is in. */
  boolean contains(String client) {
    Optional<byte[]> address = literal(withoutPort(client));
    if (address.isEmpty()) {
      return false;
    }
    for (Block block : blocks) {
      if (block.network().length == address.get().length
          && samePrefix(block.network(), address.get(), block.prefix())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return String.join(", ", texts);
  }

  /** MySQL's PROCESSLIST HOST is {@code ip:port}; PostgreSQL's client address has no port. */
  static String withoutPort(String client) {
    String text = client == null ? "" : client.strip();
    if (text.startsWith("[")) {
      int end = text.indexOf(']');
      return end < 0 ? text : text.substring(1, end);
    }
    int first = text.indexOf(':');
    if (first >= 0 && first == text.lastIndexOf(':')) {
      return text.substring(0, first); // IPv4 with a port
    }
    return text;
  }

  /** The bytes of an IP literal; empty for anything else (never a DNS lookup). */
  private static Optional<byte[]> literal(String text) {
    boolean v4 = text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = text.matches("[0-9A-Fa-f:.]+") && text.contains(":");
    if (!v4 && !v6) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(text).getAddress());
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static boolean samePrefix(byte[] a, byte[] b, int bits) {
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }
}
