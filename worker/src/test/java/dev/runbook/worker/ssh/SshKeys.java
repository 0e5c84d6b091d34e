package dev.runbook.worker.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keys made by the real {@code ssh-keygen}, as engineers make them. */
public final class SshKeys {
  private SshKeys() {}

  /**
   * A new key pair {@code dir/name} (+ {@code .pub}).
   *
   * @param type {@code ed25519} or {@code rsa}
   * @param passphrase "" for none
   * @param pem write the private key as PEM instead of the OpenSSH format
   */
  public static Path generate(Path dir, String name, String type, String passphrase, boolean pem) {
    Path key = dir.resolve(name);
    List<String> command =
        new ArrayList<>(
            List.of(
                "ssh-keygen",
                "-q",
                "-t",
                type,
                "-N",
                passphrase,
                "-C",
                name,
                "-f",
                key.toString()));
    if (type.equals("rsa")) {
      command.addAll(List.of("-b", "2048"));
    }
    if (pem) {
      command.addAll(List.of("-m", "PEM"));
    }
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "ssh-keygen failed: " + new String(p.getInputStream().readAllBytes()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("ssh-keygen is needed (openssh-client)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return key;
  }

  /** The public key line of a key made by {@link #generate}: {@code <type> <base64>}. */
  public static String publicLine(Path key) {
    try {
      String[] parts = Files.readString(Path.of(key + ".pub")).trim().split("\\s+");
      return parts[0] + " " + parts[1];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
