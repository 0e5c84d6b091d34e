package dev.runbook.engine.spec;

import java.util.ArrayList;
import java.util.List;

/** Converts between RFC 6901 JSON pointers ({@code /steps/0/with}) and display paths. */
public final class JsonPointers {
  private JsonPointers() {}

  public static String child(String pointer, String key) {
    return pointer + "/" + key.replace("~", "~0").replace("/", "~1");
  }

  public static String child(String pointer, int index) {
    return pointer + "/" + index;
  }

  /** The segments of a pointer, unescaped; the root "" has none. */
  public static List<String> segments(String pointer) {
    List<String> out = new ArrayList<>();
    if (pointer.isEmpty()) {
      return out;
    }
    for (String raw : pointer.substring(1).split("/", -1)) {
      out.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return out;
  }

  /** The parent pointer; the root is its own parent. */
  public static String parent(String pointer) {
    int slash = pointer.lastIndexOf('/');
    return slash <= 0 ? "" : pointer.substring(0, slash);
  }

  /**
   * The JSONPath shown to users: {@code /steps/0/with/database} becomes {@code
   * $.steps[0].with.database}; keys that are not simple names are bracketed and quoted.
   */
  public static String toDisplayPath(String pointer) {
    StringBuilder out = new StringBuilder("$");
    for (String segment : segments(pointer)) {
      if (!segment.isEmpty() && segment.chars().allMatch(Character::isDigit)) {
        out.append('[').append(segment).append(']');
      } else if (segment.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
        out.append('.').append(segment);
      } else {
        out.append("['").append(segment.replace("'", "\\'")).append("']");
      }
    }
    return out.toString();
  }
}
