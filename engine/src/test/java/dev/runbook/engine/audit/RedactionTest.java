package dev.runbook.engine.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void bindValuesAreRedactedAtAnyDepthKeepingTheirNamesAndTheSql() throws Exception {
    JsonNode with =
        json(
            "{'database': 'platform', 'statements': ['UPDATE t SET a = 1 WHERE email = :e'],"
                + " 'bind': {'e': 'canary@example.com', 'n': 3},"
                + " 'verify': {'query': 'SELECT 1 FROM t WHERE email = :e', 'bind': {'e': 'x@y'}}}");
    assertEquals(
        json(
            "{'database': 'platform', 'statements': ['UPDATE t SET a = 1 WHERE email = :e'],"
                + " 'bind': {'e': '[redacted]', 'n': '[redacted]'},"
                + " 'verify': {'query': 'SELECT 1 FROM t WHERE email = :e',"
                + " 'bind': {'e': '[redacted]'}}}"),
        Redaction.tree(with));
    assertEquals("canary@example.com", with.path("bind").path("e").asText(), "a copy is redacted");
  }

  @Test
  void credentialNamedValuesAreRedactedButReferencesToSecretsAreNot() throws Exception {
    assertEquals(
        json(
            "{'password': '[redacted]', 'apiToken': '[redacted]', 'api_key': '[redacted]',"
                + " 'secretId': 'prod/platform', 'handle': 'h-1', 'name': 'ok'}"),
        Redaction.tree(
            json(
                "{'password': 'hunter2', 'apiToken': 't', 'api_key': 'k',"
                    + " 'secretId': 'prod/platform', 'handle': 'h-1', 'name': 'ok'}")));
  }

  @Test
  void mapParamsOfAPlanAreRedactedAndTemplatesLeftForRunTimeAreKept() throws Exception {
    JsonNode plan =
        json(
            "{'params': {'ticket': 'OPS-1', 'who': {'email': 'canary@example.com'}},"
                + " 'stages': [{'steps': [{'with': {'bind': {'id': '${{ steps.a.outputs.id }}',"
                + " 'e': 'canary@example.com'}}}]}]}");
    assertEquals(
        json(
            "{'params': {'ticket': 'OPS-1', 'who': {'email': '[redacted]'}},"
                + " 'stages': [{'steps': [{'with': {'bind': {'id': '${{ steps.a.outputs.id }}',"
                + " 'e': '[redacted]'}}}]}]}"),
        Redaction.plan(plan));
  }
}
