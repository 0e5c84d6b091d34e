package dev.runbook.worker.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A WireMock server on 127.0.0.1 speaking AWS's wire format: EC2 and RDS the query protocol (a form
 * body with {@code Action=...}, XML answers carrying a request id), Secrets Manager and STS their
 * own (JSON with {@code X-Amz-Target}; STS query). The environment {@code stage} points every
 * client at it. Tests stub answers per action and read back the exact requests.
 */
final class AwsStub implements AutoCloseable {
  static final String EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
  static final String RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/";
  static final String INSTANCE = "i-0a1b2c3d4e5f60718";
  static final String GROUP = "sg-0123456789abcdef0";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger IDS = new AtomicInteger();

  final WireMockServer server;

  AwsStub() {
    server = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The {@code stage} environment on this stub; {@code extraAws} is added under {@code aws:}. */
  EnvironmentSpec environment(String extraAws, String databases) {
    String text =
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: stage }
        provider: aws
        taskQueue: runbook-stage
        aws: { region: eu-west-1, endpoint: "%s"%s }
        jumpBox:
          instanceId: %s
          securityGroupId: %s
          host: jump.stage.example.internal
          sshUser: ec2-user
          sshPort: 22
          hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOT2TJMefUVvGxdudiVYriomaEz0kj/R1Qr+S78dpSNO
          privateKeyFile: ~/.ssh/runbook_stage
        databases:
        %s
        teams:
          db-leads: [alice, bob]
        secrets: { provider: aws-secrets-manager }
        """
            .formatted(endpoint(), extraAws, INSTANCE, GROUP, databases.indent(2));
    return Fixtures.environment("stage", text).spec();
  }

  static final String DATABASES =
      """
      platform:
        engine: postgresql
        endpoint: platform-stage.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com
        port: 5432
        database: platform
        secretId: stage/platform/runbook
        rds: { instanceId: platform-stage }
      analytics:
        engine: postgresql
        endpoint: analytics-stage.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com
        port: 5432
        database: analytics
        secretId: stage/analytics/runbook
        rds: { clusterId: analytics-stage }
      """;

  EnvironmentSpec environment() {
    return environment("", DATABASES);
  }

  /** Settings for tests: static keys, fast polling, fast SDK retries. */
  static AwsSettings settings() {
    return AwsSettings.defaults()
        .withCredentials(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDTESTTEST", "test-secret-key")))
        .withPolling(Duration.ofMillis(10), Duration.ofSeconds(10))
        .withSdkRetries(3, Duration.ofMillis(5), Duration.ofMillis(5));
  }

  static String requestId() {
    return "req-" + IDS.incrementAndGet() + "-0000-4000-8000-000000000000";
  }

  private static MappingBuilder query(String action) {
    return post(urlEqualTo("/")).withRequestBody(matching("(.*&)?Action=" + action + "(&.*)?"));
  }

  /** EC2 answers {@code action} with {@code inner} (the elements inside the response). */
  void ec2(String action, String inner) {
    server.stubFor(query(action).willReturn(xml(200, ec2Body(action, inner))));
  }

  /** EC2 answers {@code action} with each body in turn, the last one from then on. */
  void ec2Sequence(String action, List<String> inners) {
    List<String> bodies = new ArrayList<>();
    inners.forEach(i -> bodies.add(ec2Body(action, i)));
    sequence(() -> query(action), action, bodies, 200);
  }

  void ec2Error(String action, int status, String code, String message) {
    server.stubFor(query(action).willReturn(xml(status, ec2Error(code, message))));
  }

  static String ec2Body(String action, String inner) {
    return "<"
        + action
        + "Response xmlns=\""
        + EC2_NS
        + "\"><requestId>"
        + requestId()
        + "</requestId>"
        + inner
        + "</"
        + action
        + "Response>";
  }

  static String ec2Error(String code, String message) {
    return "<Response><Errors><Error><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message></Error></Errors><RequestID>"
        + requestId()
        + "</RequestID></Response>";
  }

  /** RDS answers {@code action} with {@code result} (inside {@code <ActionResult>}). */
  void rds(String action, String result) {
    server.stubFor(query(action).willReturn(xml(200, rdsBody(action, result))));
  }

  void rdsSequence(String action, List<String> results) {
    List<String> bodies = new ArrayList<>();
    results.forEach(r -> bodies.add(rdsBody(action, r)));
    sequence(() -> query(action), action, bodies, 200);
  }

  /** RDS answers {@code action} with {@code result} when the body also holds {@code param}. */
  void rdsWhen(String action, String param, String result) {
    server.stubFor(
        post(urlEqualTo("/"))
            .withRequestBody(matching("(.*&)?Action=" + action + "(&.*)?"))
            .withRequestBody(matching("(.*&)?" + param + "(&.*)?"))
            .atPriority(1)
            .willReturn(xml(200, rdsBody(action, result))));
  }

  void rdsError(String action, int status, String code, String message) {
    server.stubFor(
        query(action)
            .willReturn(
                xml(
                    status,
                    "<ErrorResponse xmlns=\""
                        + RDS_NS
                        + "\"><Error><Type>Sender</Type><Code>"
                        + code
                        + "</Code><Message>"
                        + message
                        + "</Message></Error><RequestId>"
                        + requestId()
                        + "</RequestId></ErrorResponse>")));
  }

  static String rdsBody(String action, String result) {
    return "<"
        + action
        + "Response xmlns=\""
        + RDS_NS
        + "\"><"
        + action
        + "Result>"
        + result
        + "</"
        + action
        + "Result><ResponseMetadata><RequestId>"
        + requestId()
        + "</RequestId></ResponseMetadata></"
        + action
        + "Response>";
  }

  /** Secrets Manager answers {@code operation} with JSON. */
  void secrets(String operation, int status, String json) {
    server.stubFor(
        post(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager." + operation))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/x-amz-json-1.1")
                    .withHeader("x-amzn-RequestId", requestId())
                    .withBody(json)));
  }

  private void sequence(
      java.util.function.Supplier<MappingBuilder> base,
      String name,
      List<String> bodies,
      int status) {
    String scenario = name + "-" + IDS.incrementAndGet();
    for (int i = 0; i < bodies.size(); i++) {
      String state = i == 0 ? Scenario.STARTED : "s" + i;
      com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder m =
          base.get()
              .inScenario(scenario)
              .whenScenarioStateIs(state)
              .willReturn(xml(status, bodies.get(i)));
      if (i + 1 < bodies.size()) {
        m.willSetStateTo("s" + (i + 1));
      }
      server.stubFor(m);
    }
  }

  static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(
      int status, String body) {
    return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(body);
  }

  /** The query-protocol requests of {@code action}, each as its decoded form parameters. */
  List<Map<String, String>> requests(String action) {
    List<Map<String, String>> out = new ArrayList<>();
    for (LoggedRequest r :
        server.findAll(
            postRequestedFor(urlEqualTo("/"))
                .withRequestBody(matching("(.*&)?Action=" + action + "(&.*)?")))) {
      out.add(form(r.getBodyAsString()));
    }
    return out;
  }

  /** The actions called, in order (query protocol and Secrets Manager targets). */
  List<String> actions() {
    List<String> out = new ArrayList<>();
    for (var event : server.getAllServeEvents().reversed()) {
      LoggedRequest r = event.getRequest();
      String target = r.getHeader("X-Amz-Target");
      out.add(target != null ? target : form(r.getBodyAsString()).get("Action"));
    }
    return out;
  }

  static Map<String, String> form(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(key, value);
    }
    return params;
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static StepRequest request(String uses, String with) {
    return request("run-1", uses, with);
  }

  static StepRequest request(String runId, String uses, String with) {
    return new StepRequest(
        runId,
        "snapshot",
        "stage",
        "step",
        uses,
        json(with),
        "hash",
        "carol",
        runId + "/stage/step");
  }

  @Override
  public void close() {
    server.stop();
  }
}
