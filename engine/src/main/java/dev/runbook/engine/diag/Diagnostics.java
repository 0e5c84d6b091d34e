package dev.runbook.engine.diag;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Collects every problem of a pass instead of stopping at the first; duplicates are dropped. */
public final class Diagnostics {
  private final Set<Diagnostic> items = new LinkedHashSet<>();

  public void add(Diagnostic diagnostic) {
    items.add(diagnostic);
  }

  public void addAll(Iterable<Diagnostic> diagnostics) {
    diagnostics.forEach(this::add);
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  public int size() {
    return items.size();
  }

  /** All problems, sorted by {@link Diagnostic#ORDER}. */
  public List<Diagnostic> sorted() {
    List<Diagnostic> list = new ArrayList<>(items);
    list.sort(Diagnostic.ORDER);
    return List.copyOf(list);
  }
}
