package dev.runbook.engine.spec;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each value (and each mapping key) of a loaded document stands in its file, by JSON pointer.
 * Lets every later stage report {@code file:line:col} without carrying YAML nodes.
 */
public final class SourceMap {
  private final Map<String, Position> values = new HashMap<>();
  private final Map<String, Position> keys = new HashMap<>();
  private final Map<String, ScalarLayout> scalars = new HashMap<>();

  /** How a scalar is written, so an offset inside its value maps back to a column. */
  public record ScalarLayout(boolean singleLine, int quoteWidth) {}

  void putValue(String pointer, Position position) {
    values.put(pointer, position);
  }

  void putKey(String pointer, Position position) {
    keys.put(pointer, position);
  }

  void putScalar(String pointer, ScalarLayout layout) {
    scalars.put(pointer, layout);
  }

  /** The value at the pointer, else its nearest ancestor that has a position. */
  public Position value(String pointer) {
    String p = pointer;
    while (true) {
      Position found = values.get(p);
      if (found != null) {
        return found;
      }
      if (p.isEmpty()) {
        return Position.START;
      }
      p = JsonPointers.parent(p);
    }
  }

  /** The key naming the member at the pointer (falls back to its value's position). */
  public Position key(String pointer) {
    Position found = keys.get(pointer);
    return found != null ? found : value(pointer);
  }

  /**
   * The position of character {@code offset} inside the scalar at the pointer, when the scalar is
   * written on one line without escapes that shift columns; else the scalar's start.
   */
  public Position insideScalar(String pointer, int offset) {
    Position start = value(pointer);
    ScalarLayout layout = scalars.get(pointer);
    if (layout == null || !layout.singleLine() || offset < 0) {
      return start;
    }
    return start.shifted(layout.quoteWidth() + offset);
  }
}
