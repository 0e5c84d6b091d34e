package dev.runbook.worker.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The codec server over real HTTP on 127.0.0.1, as the Temporal UI calls it. */
class CodecServerTest {
  private static final String UI = "http://127.0.0.1:8080";
  private static final String TOKEN = "carol-token-0123456789abcdef";
  private static final PayloadKeys KEYS = PayloadKeys.parse(PayloadKeys.generate("k1"), "test");

  @TempDir Path dir;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private CodecServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(CodecViewers viewers) throws Exception {
    server =
        CodecServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            KEYS,
            Set.of(UI),
            viewers,
            log::add);
  }

  private HttpResponse<String> post(String path, String body, Optional<String> token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .header("X-Namespace", "default")
            .header("Origin", UI)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String json(Payload... payloads) throws Exception {
    return JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(List.of(payloads)));
  }

  private static Payloads parse(String json) throws Exception {
    Payloads.Builder payloads = Payloads.newBuilder();
    JsonFormat.parser().merge(json, payloads);
    return payloads.build();
  }

  private static Payload plain(String text) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text))
        .build();
  }

  private CodecViewers viewersFile() throws Exception {
    Path file = dir.resolve("viewers");
    Files.writeString(file, "# who may read runs\ncarol " + TOKEN + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return CodecViewers.read(file);
  }

  @Test
  void decodesWhatTheWorkersEncryptedForAViewerWithATokenAndLogsNoContent() throws Exception {
    start(viewersFile());
    Payload secret = plain("{\"rows\":[[\"ada@example.com\"]]}");
    Payload sealed = new AesGcmPayloadCodec(KEYS).encode(List.of(secret)).get(0);

    HttpResponse<String> response = post("/decode", json(sealed), Optional.of(TOKEN));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(List.of(secret), parse(response.body()).getPayloadsList());
    assertEquals(Optional.of(UI), response.headers().firstValue("Access-Control-Allow-Origin"));
    assertEquals(List.of("decode 1 payload(s) for carol (namespace default)"), log);
  }

  @Test
  void encodeAndDecodeRoundTripUnderAPathPrefix() throws Exception {
    start(CodecViewers.open());
    Payload input = plain("\"signal input\"");

    HttpResponse<String> encoded = post("/default/encode", json(input), Optional.empty());
    Payloads sealed = parse(encoded.body());
    assertEquals(
        "binary/encrypted", sealed.getPayloads(0).getMetadataOrThrow("encoding").toStringUtf8());
    HttpResponse<String> decoded = post("/default/decode", encoded.body(), Optional.empty());

    assertEquals(List.of(input), parse(decoded.body()).getPayloadsList());
  }

  @Test
  void withoutAValidTokenNothingIsDecoded() throws Exception {
    start(viewersFile());
    String body = json(new AesGcmPayloadCodec(KEYS).encode(List.of(plain("1"))).get(0));

    HttpResponse<String> none = post("/decode", body, Optional.empty());
    HttpResponse<String> wrong = post("/decode", body, Optional.of(TOKEN + "x"));

    assertEquals(401, none.statusCode());
    assertEquals(401, wrong.statusCode());
    assertFalse(wrong.body().contains("payloads"), wrong.body());
    assertEquals(2, log.size());
    assertTrue(log.get(0).startsWith("refused decode from 127.0.0.1"), log.toString());
  }

  @Test
  void theBrowsersPreflightIsAnsweredForTheUisOriginOnly() throws Exception {
    start(viewersFile());
    HttpRequest.Builder preflight =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/decode"))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Access-Control-Request-Method", "POST");

    HttpResponse<String> ui =
        http.send(
            preflight.copy().header("Origin", UI).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> other =
        http.send(
            preflight.copy().header("Origin", "http://evil.example").build(),
            HttpResponse.BodyHandlers.ofString());

    assertEquals(204, ui.statusCode());
    assertEquals(Optional.of(UI), ui.headers().firstValue("Access-Control-Allow-Origin"));
    assertTrue(
        ui.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("X-Namespace"));
    assertEquals(Optional.empty(), other.headers().firstValue("Access-Control-Allow-Origin"));
  }

  @Test
  void badRequestsGetAReadableAnswer() throws Exception {
    start(CodecViewers.open());
    Payload foreign =
        new AesGcmPayloadCodec(PayloadKeys.parse(PayloadKeys.generate("k7"), "x"))
            .encode(List.of(plain("1")))
            .get(0);

    HttpResponse<String> notJson = post("/decode", "{not json", Optional.empty());
    HttpResponse<String> unknownKey = post("/decode", json(foreign), Optional.empty());
    HttpResponse<String> elsewhere = post("/metrics", "{}", Optional.empty());

    assertEquals(400, notJson.statusCode());
    assertEquals("{\"message\":\"expected {\\\"payloads\\\": [...]} as JSON\"}", notJson.body());
    assertEquals(400, unknownKey.statusCode());
    assertTrue(
        unknownKey.body().contains("key 'k7', which this process does not have"),
        unknownKey.body());
    assertEquals(404, elsewhere.statusCode());
  }

  @Test
  void aViewersFileOthersCanReadOrWithShortTokensIsRefused() throws Exception {
    Path file = dir.resolve("viewers");
    Files.writeString(file, "carol short\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertEquals(
        "--viewers " + file + ":1: the token of carol is shorter than 24 characters",
        refusal(file));
    Files.writeString(file, "carol " + TOKEN + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals("--viewers " + file + ": readable by others; chmod 600 it", refusal(file));
  }

  private static String refusal(Path file) {
    try {
      CodecViewers.read(file);
      throw new AssertionError("accepted " + file);
    } catch (CodecConfigException e) {
      return e.getMessage();
    }
  }
}
