package dev.runbook.worker.exec;

import java.util.Comparator;
import java.util.List;

/** Replaces every secret value a program was given by {@code ***} in what it printed. */
final class Masker {
  private final List<String> secrets;

  Masker(List<String> secrets) {
    // longest first, so a secret that contains another is masked whole
    this.secrets =
        secrets.stream()
            .filter(s -> s != null && s.length() >= 4)
            .distinct()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .toList();
  }

  String mask(String text) {
    String masked = text;
    for (String secret : secrets) {
      masked = masked.replace(secret, "***");
    }
    return masked;
  }
}
