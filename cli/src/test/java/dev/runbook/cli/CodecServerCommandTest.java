package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.worker.codec.PayloadKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CodecServerCommandTest {
  private static final String KEY = PayloadKeys.generate("k1");

  @Test
  void newKeyPrintsAKeyLineOfThirtyTwoRandomBytes() {
    Cli.Result first = Cli.run("codec-server", "--new-key", "2026-12");
    Cli.Result second = Cli.run("codec-server", "--new-key", "2026-12");

    assertEquals(0, first.exitCode(), first.err());
    assertTrue(first.out().matches("2026-12:[A-Za-z0-9+/]{43}=\n"), first.out());
    assertTrue(!first.out().equals(second.out()));
  }

  @Test
  void withoutKeysItSaysHowToMakeOne() {
    Cli.Result result = Cli.run(CliContext.of(Map.of()), "codec-server");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: no payload keys: set RUNBOOK_PAYLOAD_KEYS or RUNBOOK_PAYLOAD_KEY_FILE, or"
                + " give --payload-key-file (runbook codec-server --new-key k1 prints one)\n"),
        result);
  }

  @Test
  void itRefusesToServeEveryoneBeyondLoopback() {
    Cli.Result result =
        Cli.run(
            CliContext.of(Map.of("RUNBOOK_PAYLOAD_KEYS", KEY)),
            "codec-server",
            "--bind",
            "0.0.0.0");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: --bind 0.0.0.0: anything but loopback needs --viewers (who may decode)\n"),
        result);
  }

  @Test
  void clientCommandsRefuseUnusableKeysNamingTheVariable() {
    Cli.Result result =
        Cli.run(CliContext.of(Map.of("RUNBOOK_PAYLOAD_KEYS", "k1:c2hvcnQ=")), "status", "some-run");

    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: RUNBOOK_PAYLOAD_KEYS: key 1 (k1): expected 32 bytes (AES-256), got 5\n"),
        result);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void servesUntilStoppedAndAnswersTheUi() throws Exception {
    CliContext context = CliContext.of(Map.of("RUNBOOK_PAYLOAD_KEYS", KEY));
    StringWriter out = new StringWriter();
    PrintWriter writer = new PrintWriter(out, true);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                Main.execute(
                    writer,
                    new PrintWriter(new StringWriter()),
                    context,
                    "codec-server",
                    "--port",
                    "0"));
    Matcher banner = Pattern.compile("codec server on http://127\\.0\\.0\\.1:(\\d+) ").matcher("");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!banner.reset(out.toString()).find()) {
      assertTrue(System.nanoTime() < deadline, "no banner: " + out);
      Thread.sleep(50);
    }
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + banner.group(1) + "/decode"))
                    .timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"payloads\":[]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    context.stop().trigger();

    assertEquals(200, response.statusCode());
    assertEquals("{}", response.body());
    assertEquals(0, exit.get(10, TimeUnit.SECONDS));
    assertTrue(
        out.toString()
            .contains(
                "(keys k1; origins http://127.0.0.1:8080, http://localhost:8080; no token needed on"
                    + " loopback); Ctrl-C stops it\ndecode 0 payload(s) for anyone on loopback\n"),
        out.toString());
  }
}
