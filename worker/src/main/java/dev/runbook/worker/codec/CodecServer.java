package dev.runbook.worker.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodecException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The codec server the Temporal UI (and {@code temporal workflow show --codec-endpoint}) calls to
 * show encrypted payloads to the people allowed to read them: {@code POST /decode} and {@code POST
 * /encode} with {@code {"payloads": [...]}} in Temporal's JSON form, CORS for the UI's origin, and
 * when viewers are configured a bearer token per viewer. Each request is logged with the viewer and
 * the number of payloads, never their content.
 */
public final class CodecServer implements AutoCloseable {
  /** Requests above this size are refused (a history page of payloads is far smaller). */
  static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

  private final HttpServer server;
  private final ExecutorService executor;

  private CodecServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving.
   *
   * @param origins the browser origins allowed to call (the Temporal UI's, e.g. {@code
   *     http://127.0.0.1:8080}); other origins get no CORS headers
   * @param viewers who may call; {@link CodecViewers#open()} lets anyone who reaches the port in
   * @param log one line per request
   */
  public static CodecServer start(
      InetSocketAddress address,
      PayloadKeys keys,
      Set<String> origins,
      CodecViewers viewers,
      Consumer<String> log)
      throws IOException {
    AesGcmPayloadCodec codec = new AesGcmPayloadCodec(keys);
    HttpServer server = HttpServer.create(address, 16);
    ExecutorService executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext(
        "/", exchange -> new Handler(codec, origins, viewers, log).handle(exchange));
    server.start();
    return new CodecServer(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }

  private record Handler(
      AesGcmPayloadCodec codec, Set<String> origins, CodecViewers viewers, Consumer<String> log) {

    void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        cors(exchange);
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (method.equals("OPTIONS")) {
          exchange.sendResponseHeaders(204, -1);
          return;
        }
        Optional<String> operation = operation(path);
        if (operation.isEmpty()) {
          send(exchange, 404, "{\"message\":\"not found: use POST /decode or POST /encode\"}");
          return;
        }
        if (!method.equals("POST")) {
          exchange.getResponseHeaders().set("Allow", "POST, OPTIONS");
          send(exchange, 405, "{\"message\":\"use POST\"}");
          return;
        }
        Optional<String> viewer =
            viewers.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
        if (viewer.isEmpty()) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
          // logged before the answer: once the caller has it, the refusal is on record
          log.accept(
              "refused " + operation.get() + " from " + remote(exchange) + ": no valid token");
          send(exchange, 401, "{\"message\":\"a valid bearer token is required\"}");
          return;
        }
        byte[] body = readBounded(exchange.getRequestBody());
        if (body == null) {
          send(exchange, 413, "{\"message\":\"request larger than " + MAX_BODY_BYTES + " bytes\"}");
          return;
        }
        Payloads.Builder request = Payloads.newBuilder();
        try {
          JsonFormat.parser()
              .ignoringUnknownFields()
              .merge(new String(body, StandardCharsets.UTF_8), request);
        } catch (InvalidProtocolBufferException e) {
          send(exchange, 400, "{\"message\":\"expected {\\\"payloads\\\": [...]} as JSON\"}");
          return;
        }
        List<Payload> result;
        try {
          result =
              operation.get().equals("decode")
                  ? codec.decode(request.getPayloadsList())
                  : codec.encode(request.getPayloadsList());
        } catch (PayloadCodecException e) {
          log.accept(operation.get() + " failed for " + viewer.get() + ": " + e.getMessage());
          send(exchange, 400, "{\"message\":" + quote(e.getMessage()) + "}");
          return;
        }
        String namespace = exchange.getRequestHeaders().getFirst("X-Namespace");
        log.accept(
            operation.get()
                + " "
                + result.size()
                + " payload(s) for "
                + viewer.get()
                + (namespace == null ? "" : " (namespace " + namespace + ")"));
        send(
            exchange,
            200,
            JsonFormat.printer()
                .omittingInsignificantWhitespace()
                .print(Payloads.newBuilder().addAllPayloads(result).build()));
      }
    }

    /** {@code decode} or {@code encode}, also under a prefix (e.g. {@code /default/decode}). */
    private static Optional<String> operation(String path) {
      if (path.endsWith("/decode")) {
        return Optional.of("decode");
      }
      if (path.endsWith("/encode")) {
        return Optional.of("encode");
      }
      return Optional.empty();
    }

    private void cors(HttpExchange exchange) {
      String origin = exchange.getRequestHeaders().getFirst("Origin");
      if (origin == null || !origins.contains(origin)) {
        return;
      }
      var headers = exchange.getResponseHeaders();
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Vary", "Origin");
      headers.set("Access-Control-Allow-Credentials", "true");
      headers.set("Access-Control-Allow-Methods", "POST, OPTIONS");
      headers.set(
          "Access-Control-Allow-Headers",
          "Content-Type, X-Namespace, Authorization, Caller-Type, Client-Name, Client-Version");
    }

    private static String remote(HttpExchange exchange) {
      return exchange.getRemoteAddress().getAddress().getHostAddress();
    }

    private static byte[] readBounded(InputStream in) throws IOException {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      return body.length > MAX_BODY_BYTES ? null : body;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    private static String quote(String text) {
      StringBuilder quoted = new StringBuilder("\"");
      for (char c : text.toCharArray()) {
        switch (c) {
          case '"' -> quoted.append("\\\"");
          case '\\' -> quoted.append("\\\\");
          default -> {
            if (c < 0x20) {
              quoted.append(String.format("\\u%04x", (int) c));
            } else {
              quoted.append(c);
            }
          }
        }
      }
      return quoted.append('"').toString();
    }
  }
}
