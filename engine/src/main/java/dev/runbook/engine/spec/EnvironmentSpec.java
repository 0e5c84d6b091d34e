package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An environment file as written: where runbooks run (account, jump box, databases, teams, task
 * queue).
 */
public record EnvironmentSpec(
    LoadedDocument source,
    String name,
    String provider,
    boolean rehearsal,
    String taskQueue,
    String region,
    Map<String, JsonNode> databases,
    Map<String, List<String>> teams,
    boolean allowSelfApproval) {

  public static EnvironmentSpec from(LoadedDocument source) {
    JsonNode root = source.tree();
    Map<String, JsonNode> databases = new LinkedHashMap<>();
    JsonNode dbs = root.path("databases");
    if (dbs.isObject()) {
      dbs.fields().forEachRemaining(e -> databases.put(e.getKey(), e.getValue()));
    }
    Map<String, List<String>> teams = new LinkedHashMap<>();
    JsonNode teamsNode = root.path("teams");
    if (teamsNode.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = teamsNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        List<String> members = new ArrayList<>();
        e.getValue().forEach(m -> members.add(m.asText()));
        teams.put(e.getKey(), List.copyOf(members));
      }
    }
    return new EnvironmentSpec(
        source,
        Nodes.text(root.path("metadata"), "name"),
        Nodes.text(root, "provider"),
        Nodes.bool(root, "rehearsal", false),
        Nodes.text(root, "taskQueue"),
        Nodes.text(root.path("aws"), "region"),
        databases,
        teams,
        Nodes.bool(root.path("approvals"), "allowSelfApproval", false));
  }

  public String file() {
    return source.file();
  }

  /** The RDS identifiers of this environment's databases (instance and cluster ids). */
  public List<String> rdsIdentifiers() {
    List<String> ids = new ArrayList<>();
    for (JsonNode db : databases.values()) {
      String instance = Nodes.text(db.path("rds"), "instanceId");
      String cluster = Nodes.text(db.path("rds"), "clusterId");
      if (instance != null) {
        ids.add(instance);
      }
      if (cluster != null) {
        ids.add(cluster);
      }
    }
    return ids;
  }
}
