package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The before and after images of a change: order-independent hashes of every row, and a bounded
 * diff (the first rows, paired by primary key, else by position) with sensitive columns masked.
 */
final class Images {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final int limit;
  private final int cellChars;
  private final int maxBytes;
  private long bytes;
  private final ArrayNode diff = NODES.arrayNode();
  private final StringBuilder all = new StringBuilder("v1");
  private final StringBuilder befores = new StringBuilder("v1");
  private boolean truncated;
  private boolean complete = true;

  // the statement being recorded
  private int statement;
  private String table;
  private Rows.MultisetHash before;
  private Rows.MultisetHash after;
  private final Map<String, ObjectNode> byKey = new HashMap<>();
  private final List<ObjectNode> inOrder = new ArrayList<>();
  private int paired;

  /**
   * @param limit rows of the diff
   * @param cellChars longest value shown
   * @param maxBytes most the diff may take in the outputs (wide rows stop it earlier)
   */
  Images(int limit, int cellChars, int maxBytes) {
    this.limit = limit;
    this.cellChars = cellChars;
    this.maxBytes = maxBytes;
  }

  private boolean full() {
    if (diff.size() >= limit || bytes > maxBytes) {
      truncated = true;
      return true;
    }
    return false;
  }

  /** Starts the images of statement {@code index} (0-based) on {@code table}. */
  void statement(int index, String table) {
    this.statement = index + 1;
    this.table = table;
    before = new Rows.MultisetHash();
    after = new Rows.MultisetHash();
    byKey.clear();
    inOrder.clear();
    paired = 0;
  }

  /** Notes that a statement's rows could not be imaged (only its count is known). */
  void withoutImages() {
    complete = false;
  }

  /** A before-image row. */
  void before(List<Rows.Column> columns, String[] values, boolean[] masked, int[] key) {
    before.add(Rows.canonical(columns, values));
    if (full()) {
      return;
    }
    ObjectNode entry = entry(key == null ? null : keyOf(columns, values, key, masked));
    ObjectNode image = Rows.object(columns, values, masked, cellChars);
    bytes += image.toString().length();
    entry.set("before", image);
    entry.putNull("after");
    if (key != null) {
      byKey.put(keyText(values, key), entry);
    }
    inOrder.add(entry);
  }

  /**
   * An after-image row. For an UPDATE ({@code update}) it is paired with its before-image by key,
   * else by position; for an INSERT it is a new entry.
   */
  void after(
      List<Rows.Column> columns, String[] values, boolean[] masked, int[] key, boolean update) {
    after.add(Rows.canonical(columns, values));
    if (update) {
      ObjectNode match =
          key != null
              ? byKey.get(keyText(values, key))
              : paired < inOrder.size() ? inOrder.get(paired++) : null;
      if (match != null) {
        ObjectNode image = Rows.object(columns, values, masked, cellChars);
        bytes += image.toString().length();
        match.set("after", image);
      }
      return;
    }
    if (full()) {
      return;
    }
    ObjectNode entry = entry(key == null ? null : keyOf(columns, values, key, masked));
    ObjectNode image = Rows.object(columns, values, masked, cellChars);
    bytes += image.toString().length();
    entry.putNull("before");
    entry.set("after", image);
  }

  /** Ends the statement, which changed {@code count} rows. */
  void end(long count) {
    all.append('|')
        .append(statement)
        .append(':')
        .append(count)
        .append(':')
        .append(before.value())
        .append(':')
        .append(after.value());
    befores.append('|').append(statement).append(':').append(count).append(':');
    befores.append(before.value());
  }

  long beforeRows() {
    return before.count();
  }

  ArrayNode diff() {
    return diff;
  }

  boolean truncated() {
    return truncated;
  }

  /** False when some statement's rows could not be imaged. */
  boolean complete() {
    return complete;
  }

  /** sha256 over every statement's count, before-images and after-images. */
  String previewHash() {
    return "sha256:" + Rows.sha256Hex(all.toString());
  }

  /** sha256 over every statement's count and before-images: what an apply must find again. */
  String beforeHash() {
    return "sha256:" + Rows.sha256Hex(befores.toString());
  }

  private ObjectNode entry(ObjectNode key) {
    ObjectNode entry = diff.addObject();
    entry.put("statement", statement);
    entry.put("table", table);
    if (key == null) {
      entry.putNull("key");
    } else {
      entry.set("key", key);
    }
    return entry;
  }

  private ObjectNode keyOf(
      List<Rows.Column> columns, String[] values, int[] key, boolean[] masked) {
    ObjectNode out = NODES.objectNode();
    for (int i : key) {
      out.set(
          columns.get(i).label(),
          masked[i]
              ? NODES.textNode(SensitiveColumns.MASK)
              : Rows.json(columns.get(i), values[i], cellChars));
    }
    return out;
  }

  static String keyText(String[] values, int[] key) {
    StringBuilder out = new StringBuilder();
    for (int i : key) {
      out.append(values[i]).append('\u0001');
    }
    return out.toString();
  }

  /** Positions of the primary key columns among {@code columns}, or null when one is missing. */
  static int[] keyPositions(List<Rows.Column> columns, List<String> primaryKey) {
    if (primaryKey.isEmpty()) {
      return null;
    }
    int[] positions = new int[primaryKey.size()];
    for (int k = 0; k < positions.length; k++) {
      positions[k] = -1;
      for (int i = 0; i < columns.size(); i++) {
        if (columns
            .get(i)
            .label()
            .toLowerCase(Locale.ROOT)
            .equals(primaryKey.get(k).toLowerCase(Locale.ROOT))) {
          positions[k] = i;
          break;
        }
      }
      if (positions[k] < 0) {
        return null;
      }
    }
    return positions;
  }
}
