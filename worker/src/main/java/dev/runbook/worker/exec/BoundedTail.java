package dev.runbook.worker.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Drains a program's output stream on its own thread (so the program never blocks on a full pipe),
 * keeping only the last {@code limit} bytes: for a failing tool the end says why.
 */
final class BoundedTail {
  private final byte[] ring;
  private long total;
  private final Thread reader;

  BoundedTail(InputStream in, int limit, String name) {
    this.ring = new byte[limit];
    this.reader =
        Thread.ofPlatform()
            .daemon()
            .name(name)
            .start(
                () -> {
                  byte[] buffer = new byte[8192];
                  try (in) {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                      append(buffer, n);
                    }
                  } catch (IOException e) {
                    // the process is gone; what was read stays
                  }
                });
  }

  private synchronized void append(byte[] buffer, int n) {
    for (int i = 0; i < n; i++) {
      ring[(int) ((total + i) % ring.length)] = buffer[i];
    }
    total += n;
  }

  /** Waits (bounded) until the stream has ended. */
  void join(long millis) {
    try {
      reader.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted"));
    }
  }

  synchronized boolean truncated() {
    return total > ring.length;
  }

  /** The kept bytes as UTF-8 (a cut multi-byte character at the start becomes U+FFFD). */
  synchronized String text() {
    int kept = (int) Math.min(total, ring.length);
    byte[] out = new byte[kept];
    long start = total - kept;
    for (int i = 0; i < kept; i++) {
      out[i] = ring[(int) ((start + i) % ring.length)];
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
