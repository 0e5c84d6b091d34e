package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An environment's {@code access} policy (temporary access leases) with its defaults filled in, as
 * {@code env.access.*} reads it: {@code approvalRequired}, {@code defaultTtl}, {@code maxTtl},
 * {@code heartbeatTimeout}, {@code terminateSessions}.
 */
public final class AccessPolicy {
  public static final String DEFAULT_TTL = "1h";
  public static final String MAX_TTL = "8h";
  public static final String HEARTBEAT_TIMEOUT = "2m";

  private AccessPolicy() {}

  public static ObjectNode facts(JsonNode access) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("approvalRequired", access.path("approvalRequired").asBoolean(false));
    out.put("defaultTtl", access.path("defaultTtl").asText(DEFAULT_TTL));
    out.put("maxTtl", access.path("maxTtl").asText(MAX_TTL));
    out.put("heartbeatTimeout", access.path("heartbeatTimeout").asText(HEARTBEAT_TIMEOUT));
    out.put("terminateSessions", access.path("terminateSessions").asBoolean(false));
    return out;
  }
}
