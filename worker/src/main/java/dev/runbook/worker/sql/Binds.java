package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.workflow.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Binds {@code :name} values to JDBC positions. Values are always sent as parameters, never put
 * into the SQL text, so no value (quotes, semicolons, comments) can change a statement.
 */
final class Binds {
  private Binds() {}

  /** Prepares {@code sql} (with {@code :name} placeholders) and binds its values. */
  static PreparedStatement prepare(Connection connection, String sql, JsonNode bind)
      throws SQLException {
    SqlText.Jdbc jdbc = SqlText.of(sql).jdbc();
    check(jdbc.names(), bind);
    PreparedStatement statement = connection.prepareStatement(jdbc.sql());
    try {
      bind(statement, jdbc.names(), bind, 1);
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
    return statement;
  }

  /** Fails (GUARD_VIOLATION) when a placeholder has no value. */
  static void check(List<String> names, JsonNode bind) {
    for (String name : names) {
      if (bind == null || !bind.has(name)) {
        throw FailureType.GUARD_VIOLATION.failure(
            ":" + name + " has no bind value: values are bound, never spliced into SQL");
      }
    }
  }

  /** Binds the values of {@code names} from position {@code first}; returns the next position. */
  static int bind(PreparedStatement statement, List<String> names, JsonNode bind, int first)
      throws SQLException {
    int position = first;
    for (String name : names) {
      set(statement, position++, bind.get(name));
    }
    return position;
  }

  static void set(PreparedStatement statement, int position, JsonNode value) throws SQLException {
    if (value == null || value.isNull()) {
      statement.setNull(position, Types.NULL);
    } else if (value.isBoolean()) {
      statement.setBoolean(position, value.booleanValue());
    } else if (value.isIntegralNumber() && value.canConvertToLong()) {
      statement.setLong(position, value.longValue());
    } else if (value.isNumber()) {
      statement.setBigDecimal(position, value.decimalValue());
    } else if (value.isTextual()) {
      statement.setString(position, value.textValue());
    } else if (value.isArray() || value.isObject()) {
      // e.g. the rows of an earlier sql.query: bound as JSON text (CAST(:rows AS jsonb))
      refuseIncomplete(value);
      statement.setString(position, value.toString());
    } else {
      throw FailureType.GUARD_VIOLATION.failure(
          "bind values are scalars (text, number, boolean, null), lists or maps; got "
              + value.getNodeType());
    }
  }

  /**
   * A list or map taken from step outputs may hold values those outputs masked ({@code ***}) or cut
   * ({@code ... (N characters)}); writing them back would destroy data, so it is refused.
   */
  private static void refuseIncomplete(JsonNode value) {
    if (value.isContainerNode()) {
      for (JsonNode element : value) {
        refuseIncomplete(element);
      }
      return;
    }
    if (value.isTextual() && value.textValue().equals(SensitiveColumns.MASK)) {
      throw FailureType.GUARD_VIOLATION.failure(
          "a bind value holds "
              + SensitiveColumns.MASK
              + " (a sensitive column masked in a step's outputs): masked values cannot be"
              + " written back; leave the column out of the query");
    }
    if (value.isTextual() && CUT.matcher(value.textValue()).find()) {
      throw FailureType.GUARD_VIOLATION.failure(
          "a bind value was cut to fit a step's outputs (it ends in '... (N characters)'):"
              + " it cannot be written back whole");
    }
  }

  private static final java.util.regex.Pattern CUT =
      java.util.regex.Pattern.compile("\\.\\.\\. \\([0-9]+ characters\\)$");
}
