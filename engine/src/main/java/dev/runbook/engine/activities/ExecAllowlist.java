package dev.runbook.engine.activities;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rule of the {@code exec} step, applied by the compiler (on the plan's command) and again by
 * the worker (on its own environment file): a command runs only if its argv starts with one of the
 * environment's {@code exec.allow} prefixes, item for item. An item still holding an expression
 * ({@code ${{ ... }}}) cannot match a literal prefix item, so a prefix must be written out.
 */
public final class ExecAllowlist {
  private final List<List<String>> prefixes;

  public ExecAllowlist(List<List<String>> prefixes) {
    this.prefixes = List.copyOf(prefixes);
  }

  /** The {@code exec.allow} of an environment file's tree (none: nothing is allowed). */
  public static ExecAllowlist of(JsonNode environment) {
    List<List<String>> prefixes = new ArrayList<>();
    for (JsonNode prefix : environment.path("exec").path("allow")) {
      List<String> items = new ArrayList<>();
      prefix.forEach(item -> items.add(item.asText()));
      prefixes.add(List.copyOf(items));
    }
    return new ExecAllowlist(prefixes);
  }

  /** Why {@code argv} may not run in {@code environment}; empty when it may. */
  public Optional<String> refusal(List<String> argv, String environment) {
    if (prefixes.isEmpty()) {
      return Optional.of(
          "exec is not allowed in environment " + environment + " (its file has no exec.allow)");
    }
    for (List<String> prefix : prefixes) {
      if (argv.size() >= prefix.size() && argv.subList(0, prefix.size()).equals(prefix)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        show(argv)
            + " is not on the exec allowlist of "
            + environment
            + " (allowed: "
            + String.join(", ", prefixes.stream().map(ExecAllowlist::show).toList())
            + ")");
  }

  /** {@code [npx, prisma, migrate, deploy]}. */
  public static String show(List<String> argv) {
    return "[" + String.join(", ", argv) + "]";
  }
}
