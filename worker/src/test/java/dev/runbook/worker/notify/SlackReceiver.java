package dev.runbook.worker.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Slack incoming webhook on 127.0.0.1 for tests: answers each POST with the next scripted reply
 * (then 200 "ok") and records what it received.
 */
final class SlackReceiver implements AutoCloseable {
  record Reply(int status, String body, String retryAfter) {}

  record Received(String path, String contentType, String body) {}

  static final String PATH = "/services/T000/B000/CANARYwebhookTOKEN";

  private final HttpServer server;
  private final Deque<Reply> script = new ArrayDeque<>();
  final List<Received> received = new CopyOnWriteArrayList<>();

  SlackReceiver(Reply... replies) throws IOException {
    script.addAll(List.of(replies));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            received.add(
                new Received(
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            Reply reply;
            synchronized (script) {
              reply = script.isEmpty() ? new Reply(200, "ok", null) : script.pop();
            }
            if (reply.retryAfter() != null) {
              exchange.getResponseHeaders().set("Retry-After", reply.retryAfter());
            }
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
