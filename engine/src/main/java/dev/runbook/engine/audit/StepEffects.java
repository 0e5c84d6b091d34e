package dev.runbook.engine.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What one activity call of a step did, in an auditor's terms: the SQL it ran with the rows it
 * touched, and the resources it created or removed. Read from the call's resolved inputs and its
 * outputs only (no query result rows are kept). Pure; shared by the audit store and the reports
 * built from Temporal history.
 */
public final class StepEffects {
  private StepEffects() {}

  /**
   * One SQL text and the rows it touched.
   *
   * @param phase {@code run}, {@code preview} (done and rolled back) or {@code apply}
   * @param rows rows affected, returned or restored; -1 when the step does not say
   */
  public record Sql(String phase, String database, String sql, long rows) {}

  /**
   * A resource a step created or removed.
   *
   * @param kind {@code backup-table}, {@code snapshot}, {@code instance}, {@code ingress-rule},
   *     {@code jump-box}, {@code export-file}
   * @param action {@code created}, {@code removed}, {@code restored-from} (data put back from it)
   */
  public record Resource(String kind, String id, String action) {}

  public static List<Sql> sql(String uses, String phase, JsonNode with, JsonNode outputs) {
    List<Sql> out = new ArrayList<>();
    String db = text(with, "database");
    switch (uses) {
      case "sql.change" -> {
        long rows =
            "preview".equals(phase)
                ? number(outputs, "previewRows")
                : number(outputs, "rowsAffected");
        JsonNode statements = with == null ? null : with.get("statements");
        if (statements != null && statements.isArray()) {
          List<String> texts = new ArrayList<>();
          statements.forEach(s -> texts.add(s.asText()));
          for (int i = 0; i < texts.size(); i++) {
            // the step reports one total for its statements: put it on the last one
            out.add(new Sql(phase, db, texts.get(i), i == texts.size() - 1 ? rows : -1));
          }
        }
        JsonNode verify = with == null ? null : with.get("verify");
        String verifySql =
            verify == null ? "" : verify.isTextual() ? verify.asText() : text(verify, "query");
        if (!verifySql.isEmpty()) {
          out.add(new Sql(phase + " verify", db, verifySql, -1));
        }
      }
      case "sql.query", "sql.export" ->
          add(out, phase, db, text(with, "query"), number(outputs, "rowCount"));
      case "sql.backup" ->
          add(
              out,
              phase,
              db,
              "copy of " + text(with, "table") + where(text(with, "where")),
              number(outputs, "rowCount"));
      case "sql.restore" ->
          add(
              out,
              phase,
              db,
              "restore " + text(outputs, "table") + " from " + text(with, "backup"),
              number(outputs, "rowsRestored"));
      case "sql.terminate-sessions" -> {
        // the ids ended, and for the lease-end cleanup where they came from
        JsonNode ended = outputs == null ? null : outputs.get("terminated");
        boolean tunnel = with != null && with.path("tunnelSessions").asBoolean(false);
        add(
            out,
            phase,
            db,
            "terminate sessions"
                + (tunnel ? " that came through the jump box" : "")
                + (ended != null && ended.isArray() ? " " + ended : ""),
            ended != null && ended.isArray() ? ended.size() : number(outputs, "terminated"));
      }
      default -> {}
    }
    return out;
  }

  public static List<Resource> resources(String uses, JsonNode with, JsonNode result) {
    JsonNode outputs = result == null ? MissingNode.getInstance() : result;
    List<Resource> out = new ArrayList<>();
    switch (uses) {
      case "sql.change", "sql.backup" -> {
        String table = text(outputs, "backupTable");
        if (!table.isEmpty()) {
          out.add(new Resource("backup-table", qualified(with, table), "created"));
        }
      }
      case "sql.restore" -> {
        String table = text(outputs, "backupTable");
        if (!table.isEmpty()) {
          out.add(new Resource("backup-table", qualified(with, table), "restored-from"));
        }
      }
      case "sql.export" -> add(out, "export-file", text(outputs, "path"), "created");
      case "aws.rds.snapshot" -> add(out, "snapshot", text(outputs, "snapshotId"), "created");
      case "aws.rds.restore-pitr" -> add(out, "instance", text(outputs, "instanceId"), "created");
      case "aws.rds.delete" -> add(out, "instance", text(outputs, "instanceId"), "removed");
      case "aws.ec2.allow-ingress" -> {
        if (!outputs.path("alreadyPresent").asBoolean(false)) {
          add(out, "ingress-rule", rule(outputs, with), "created");
        }
      }
      case "aws.ec2.revoke-ingress" -> add(out, "ingress-rule", rule(with, with), "removed");
      case "aws.ec2.start" -> {
        if (outputs.path("startedByRun").asBoolean(false)) {
          add(out, "jump-box", text(outputs, "instanceId"), "created");
        }
      }
      case "aws.ec2.stop" -> add(out, "jump-box", text(outputs, "instanceId"), "removed");
      default -> {}
    }
    return out;
  }

  private static String qualified(JsonNode with, String table) {
    String db = text(with, "database");
    return db.isEmpty() ? table : db + "." + table;
  }

  private static String rule(JsonNode ids, JsonNode with) {
    String group = text(ids, "securityGroupId");
    if (group.isEmpty()) {
      group = text(with, "securityGroup");
    }
    return group + " " + text(ids, "cidr") + ":" + text(ids, "port");
  }

  private static String where(String where) {
    return where.isEmpty() ? "" : " where " + where;
  }

  private static void add(List<Sql> out, String phase, String db, String sql, long rows) {
    if (!sql.isEmpty()) {
      out.add(new Sql(phase, db, sql, rows));
    }
  }

  private static void add(List<Resource> out, String kind, String id, String action) {
    if (!id.isBlank()) {
      out.add(new Resource(kind, id, action));
    }
  }

  private static String text(JsonNode node, String field) {
    if (node == null) {
      return "";
    }
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  private static long number(JsonNode node, String field) {
    if (node == null) {
      return -1;
    }
    JsonNode v = node.get(field);
    return v != null && v.canConvertToLong() ? v.asLong() : -1;
  }
}
