package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placeholders to JDBC positions, clause finding, and the bounded diff, without a database. */
class SqlTextTest {

  @Test
  void onlyRealPlaceholdersBecomePositions() {
    SqlText.Jdbc jdbc =
        SqlText.of(
                "SELECT ':a', \"b:c\", `d:e`, x::text, y := 1, arr[1:2], arr[:n]"
                    + " /* :f */ -- :g\n FROM t WHERE id = :id AND name = :name OR id = :id")
            .jdbc();
    assertEquals(List.of("n", "id", "name", "id"), jdbc.names());
    assertEquals(
        "SELECT ':a', \"b:c\", `d:e`, x::text, y := 1, arr[1:2], arr[?] /* :f */ -- :g\n"
            + " FROM t WHERE id = ? AND name = ? OR id = ?",
        jdbc.sql());
  }

  @Test
  void clausesAreFoundAtTheTopLevelOnly() {
    SqlText text =
        SqlText.of(
            "WITH w AS (SELECT id FROM t WHERE a = 1) UPDATE t SET b = (SELECT 1 WHERE true)"
                + " WHERE id IN (SELECT id FROM w) RETURNING *;");
    assertEquals("UPDATE", text.tokens().get(text.topLevel("update")).text());
    assertEquals(
        "WHERE",
        text.tokens().get(text.topLevel("WHERE", text.topLevel("UPDATE"))).text().toUpperCase());
    assertTrue(text.withoutTerminator().endsWith("RETURNING *"));
  }

  @Test
  void theDiffStopsAtItsRowsOrItsBytesWhicheverComesFirst() {
    List<Rows.Column> columns = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      columns.add(new Rows.Column("c" + i, "t", "c" + i, Types.VARCHAR));
    }
    boolean[] masked = new boolean[100];
    Images images = new Images(20, 200, 64 * 1024);
    images.statement(0, "t");
    for (int r = 0; r < 30; r++) {
      String[] values = new String[100];
      java.util.Arrays.fill(values, "x".repeat(500));
      images.before(columns, values, masked, null);
    }
    images.end(30);
    assertTrue(images.truncated());
    assertTrue(images.diff().size() < 20, "wide rows stop the diff early: " + images.diff().size());
    assertTrue(images.diff().toString().length() < 96 * 1024);
    assertEquals(30, images.beforeRows(), "every row is still hashed");
  }
}
