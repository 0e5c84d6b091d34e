package dev.runbook.worker.sql;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * {@code sql.export}: a read-only query streamed to a file on the worker, CSV (with a header) or
 * JSON (an array of objects). PostgreSQL uses {@code COPY (query) TO STDOUT} when the query has no
 * bind values and no sensitive column (COPY takes no parameters, and masking needs each value);
 * otherwise, and on MySQL/MariaDB, a streaming result set. The file is written beside its final
 * path and moved there when complete; its row count and SHA-256 are outputs, the row count is
 * reported in the activity heartbeat as it grows. Paths stay inside the worker's export directory.
 */
final class ExportRunner {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final Duration TIMEOUT = Duration.ofHours(1);
  private static final int HEARTBEAT_ROWS = 5000;

  private final SqlSettings settings;

  ExportRunner(SqlSettings settings) {
    this.settings = settings;
  }

  StepResult export(ConnectionPools pools, SqlTarget target, StepRequest request) {
    JsonNode with = request.with();
    String sql = Inputs.text(with, "query");
    JdbcSqlActivities.guardQuery(sql, "query");
    JsonNode bind = Inputs.bind(with.get("bind"), "bind");
    String format = with.path("format").asText("csv").toLowerCase(Locale.ROOT);
    if (!format.equals("csv") && !format.equals("json")) {
      throw FailureType.INVALID_PLAN.failure("format: expected csv or json, got " + format);
    }
    Path path = path(with, request, format);
    SensitiveColumns sensitive = new SensitiveColumns(target.sensitiveColumns());
    Heartbeat heartbeat = Heartbeat.current();
    try (Session session = Session.open(pools, target)) {
      Path partial = path.resolveSibling(path.getFileName() + ".partial");
      try {
        Files.createDirectories(path.getParent());
        session.begin(true, TIMEOUT, TIMEOUT);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long rows;
        String method;
        List<String> maskedNames = new ArrayList<>();
        try (OutputStream file =
            new DigestOutputStream(
                new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16), digest)) {
          SqlText.Jdbc jdbc = SqlText.of(sql).jdbc();
          boolean copy =
              format.equals("csv")
                  && session.dialect instanceof Dialect.Postgres
                  && jdbc.names().isEmpty()
                  && noneMasked(session, sql, sensitive);
          if (copy) {
            method = "copy";
            rows = copy(session, SqlText.of(sql).withoutTerminator(), file, heartbeat);
          } else {
            method = "stream";
            rows = stream(session, sql, bind, format, file, sensitive, maskedNames, heartbeat);
          }
        }
        session.connection.commit();
        Files.move(
            partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        heartbeat.beat(rows);
        ObjectNode outputs = NODES.objectNode();
        outputs.put("path", path.toString());
        outputs.put("rowCount", rows);
        outputs.put("sha256", HexFormat.of().formatHex(digest.digest()));
        outputs.put("bytes", Files.size(path));
        outputs.put("format", format);
        outputs.put("method", method);
        ArrayNode masked = outputs.putArray("masked");
        maskedNames.forEach(masked::add);
        return new StepResult(
            outputs,
            ChangeRunner.rows(rows)
                + " of "
                + target.name()
                + " exported to "
                + path
                + " ("
                + format
                + (method.equals("copy") ? ", COPY" : "")
                + ")");
      } catch (SQLException e) {
        session.rollbackQuietly();
        deleteQuietly(partial);
        throw session.fail(e, "the export");
      } catch (IOException e) {
        session.rollbackQuietly();
        deleteQuietly(partial);
        throw FailureType.STEP_FAILED.failure("cannot write " + path + ": " + e.getMessage());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      } catch (RuntimeException e) {
        session.rollbackQuietly();
        deleteQuietly(partial);
        throw e;
      }
    }
  }

  /** The file to write: {@code path} or {@code exports/<run>/<step>.<format>}, inside the dir. */
  private Path path(JsonNode with, StepRequest request, String format) {
    Path base = settings.exportDirectory().toAbsolutePath().normalize();
    String given = with.path("path").asText("");
    Path path =
        given.isEmpty()
            ? base.resolve("exports")
                .resolve(safe(request.runId()))
                .resolve(safe(request.stepId()) + "." + format)
            : base.resolve(given).normalize();
    if (!path.startsWith(base) || path.equals(base)) {
      throw FailureType.INVALID_PLAN.failure(
          "path: " + given + " is outside the worker's export directory " + base);
    }
    return path;
  }

  private static String safe(String text) {
    return text.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
  }

  private static boolean noneMasked(Session session, String sql, SensitiveColumns sensitive)
      throws SQLException {
    if (sensitive.isEmpty()) {
      return true;
    }
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ResultSetMetaData md = ps.getMetaData();
      if (md == null) {
        return false;
      }
      List<Rows.Column> columns = new ArrayList<>();
      org.postgresql.PGResultSetMetaData pg = md.unwrap(org.postgresql.PGResultSetMetaData.class);
      for (int i = 1; i <= md.getColumnCount(); i++) {
        String column = pg.getBaseColumnName(i);
        columns.add(
            new Rows.Column(
                md.getColumnLabel(i),
                pg.getBaseTableName(i),
                column == null || column.isEmpty() ? md.getColumnLabel(i) : column,
                md.getColumnType(i)));
      }
      for (boolean m : sensitive.mask(columns, sql, null)) {
        if (m) {
          return false;
        }
      }
      return true;
    }
  }

  /** PostgreSQL COPY: one CopyData message per row after the header. */
  private static long copy(Session session, String query, OutputStream out, Heartbeat heartbeat)
      throws SQLException, IOException {
    PGConnection pg = session.connection.unwrap(PGConnection.class);
    CopyOut copy =
        pg.getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT WITH (FORMAT csv, HEADER true)");
    long messages = 0;
    try {
      byte[] data;
      while ((data = copy.readFromCopy()) != null) {
        out.write(data);
        messages++;
        long rows = messages - 1; // the header comes first
        if (rows > 0 && rows % HEARTBEAT_ROWS == 0) {
          heartbeat.beat(rows);
        }
      }
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
    return copy.getHandledRowCount();
  }

  private long stream(
      Session session,
      String sql,
      JsonNode bind,
      String format,
      OutputStream out,
      SensitiveColumns sensitive,
      List<String> maskedNames,
      Heartbeat heartbeat)
      throws SQLException, IOException {
    try (PreparedStatement ps = Binds.prepare(session.connection, sql, bind)) {
      ps.setFetchSize(1000);
      JdbcSqlActivities.clientTimeout(session, ps, TIMEOUT);
      try (ResultSet rs = ps.executeQuery()) {
        List<Rows.Column> columns = Rows.columns(rs);
        boolean[] masked = sensitive.mask(columns, sql, null);
        for (int i = 0; i < masked.length; i++) {
          if (masked[i]) {
            maskedNames.add(columns.get(i).label());
          }
        }
        return format.equals("csv")
            ? csv(rs, columns, masked, out, heartbeat)
            : json(rs, columns, masked, out, heartbeat);
      }
    }
  }

  private static long csv(
      ResultSet rs, List<Rows.Column> columns, boolean[] masked, OutputStream out, Heartbeat hb)
      throws SQLException, IOException {
    Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    for (int i = 0; i < columns.size(); i++) {
      writer.write(i == 0 ? "" : ",");
      writer.write(csvValue(columns.get(i).label()));
    }
    writer.write("\n");
    long rows = 0;
    while (rs.next()) {
      String[] values = Rows.read(rs, columns);
      for (int i = 0; i < values.length; i++) {
        if (i > 0) {
          writer.write(',');
        }
        if (values[i] != null) {
          writer.write(masked[i] ? SensitiveColumns.MASK : csvValue(values[i]));
        }
      }
      writer.write("\n");
      if (++rows % HEARTBEAT_ROWS == 0) {
        hb.beat(rows);
      }
    }
    writer.flush();
    return rows;
  }

  /** Quoted like PostgreSQL's COPY CSV: when it has a comma, quote, line break or is empty. */
  static String csvValue(String value) {
    boolean quote =
        value.isEmpty()
            || value.indexOf(',') >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\n') >= 0
            || value.indexOf('\r') >= 0
            || value.equals("\\.");
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  private static long json(
      ResultSet rs, List<Rows.Column> columns, boolean[] masked, OutputStream out, Heartbeat hb)
      throws SQLException, IOException {
    ObjectMapper mapper = new ObjectMapper();
    long rows = 0;
    try (JsonGenerator gen =
        new JsonFactory(mapper).createGenerator(new NonClosing(out), JsonEncoding.UTF8)) {
      gen.writeStartArray();
      while (rs.next()) {
        ObjectNode row = Rows.object(columns, Rows.read(rs, columns), masked, Integer.MAX_VALUE);
        mapper.writeTree(gen, row);
        gen.writeRaw('\n');
        if (++rows % HEARTBEAT_ROWS == 0) {
          hb.beat(rows);
        }
      }
      gen.writeEndArray();
      gen.writeRaw('\n');
    }
    return rows;
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // best effort
    }
  }

  /** Keeps the generator from closing the file stream it writes to. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** The activity's heartbeat, or nothing when called outside an activity (tests). */
  interface Heartbeat {
    void beat(long rows);

    static Heartbeat current() {
      ActivityExecutionContext context;
      try {
        context = Activity.getExecutionContext();
      } catch (IllegalStateException e) {
        return rows -> {};
      }
      return context::heartbeat;
    }
  }
}
