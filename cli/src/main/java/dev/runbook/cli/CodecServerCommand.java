package dev.runbook.cli;

import dev.runbook.worker.StopSignal;
import dev.runbook.worker.codec.CodecConfigException;
import dev.runbook.worker.codec.CodecServer;
import dev.runbook.worker.codec.CodecViewers;
import dev.runbook.worker.codec.PayloadKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code runbook codec-server}: decrypts payloads for the Temporal UI's authorised viewers. */
@Command(
    name = "codec-server",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Decrypt run payloads for the Temporal UI's authorised viewers.",
      "%nWorkers and the CLI encrypt workflow payloads (plans, step inputs and outputs,"
          + " decisions) with AES-256-GCM when RUNBOOK_PAYLOAD_KEYS or RUNBOOK_PAYLOAD_KEY_FILE"
          + " (or --payload-key-file) gives keys; the Temporal server then stores ciphertext"
          + " only. This server answers POST /decode and POST /encode for the UI (its"
          + " codec-server endpoint setting) with the same keys. With --viewers every request"
          + " needs 'Authorization: Bearer <token>' of a listed viewer (the UI's 'pass access"
          + " token' option or a proxy adds it); without it the server binds loopback only."
          + " Each request is logged with its viewer, never with payload contents."
          + "%n%nKey file: lines 'id:base64key' (32 random bytes), the first encrypts, all"
          + " decrypt; --new-key prints one. Ctrl-C or SIGTERM stops the server."
    })
final class CodecServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8081",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--allow-origin",
      paramLabel = "URL",
      description =
          "Browser origin allowed to call (CORS), repeatable (default: http://127.0.0.1:8080"
              + " and http://localhost:8080, the Temporal UI of docker-compose.yml).")
  List<String> origins;

  @Option(
      names = "--viewers",
      paramLabel = "FILE",
      description =
          "Who may decode: lines 'name token' (tokens of 24+ characters), readable by its owner"
              + " only. Required to bind anything but loopback.")
  Path viewers;

  @Option(
      names = "--payload-key-file",
      paramLabel = "FILE",
      description =
          "The payload keys (default: $RUNBOOK_PAYLOAD_KEYS inline, else"
              + " $RUNBOOK_PAYLOAD_KEY_FILE).")
  Path keyFile;

  @Option(
      names = "--new-key",
      paramLabel = "ID",
      description = "Print a new random key line 'ID:base64key' for a key file, and exit.")
  String newKey;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    CliContext context = main == null ? CliContext.system() : main.context();
    try {
      if (newKey != null) {
        out.println(PayloadKeys.generate(newKey));
        out.flush();
        return ExitCode.OK.code();
      }
      PayloadKeys keys =
          PayloadKeys.fromEnvironment(context.env(), keyFile)
              .orElseThrow(
                  () ->
                      new CodecConfigException(
                          "no payload keys: set RUNBOOK_PAYLOAD_KEYS or RUNBOOK_PAYLOAD_KEY_FILE,"
                              + " or give --payload-key-file (runbook codec-server --new-key k1"
                              + " prints one)"));
      CodecViewers allowed = viewers == null ? CodecViewers.open() : CodecViewers.read(viewers);
      InetAddress address = address();
      if (allowed.isOpen() && !address.isLoopbackAddress()) {
        throw new CodecConfigException(
            "--bind " + bind + ": anything but loopback needs --viewers (who may decode)");
      }
      return serve(out, keys, allowed, new InetSocketAddress(address, port), context.stop());
    } catch (CodecConfigException e) {
      throw new CliException(ExitCode.INVALID_INPUT, e.getMessage());
    }
  }

  private int serve(
      PrintWriter out,
      PayloadKeys keys,
      CodecViewers allowed,
      InetSocketAddress address,
      StopSignal stop) {
    LinkedHashSet<String> allowedOrigins =
        new LinkedHashSet<>(
            origins == null ? List.of("http://127.0.0.1:8080", "http://localhost:8080") : origins);
    stop.arm(Duration.ofSeconds(5));
    try (CodecServer server =
        CodecServer.start(
            address,
            keys,
            allowedOrigins,
            allowed,
            line -> {
              synchronized (out) {
                out.println(line);
                out.flush();
              }
            })) {
      synchronized (out) {
        out.println(
            "codec server on http://"
                + address.getAddress().getHostAddress()
                + ":"
                + server.port()
                + " (keys "
                + String.join(", ", keys.ids())
                + "; origins "
                + String.join(", ", allowedOrigins)
                + "; "
                + (allowed.isOpen() ? "no token needed on loopback" : "viewers' tokens required")
                + "); Ctrl-C stops it");
        out.flush();
      }
      while (!stop.await(Duration.ofMinutes(1))) {
        // serving until stopped
      }
      return ExitCode.OK.code();
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNEXPECTED_STATE,
          "cannot listen on " + bind + ":" + port + ": " + e.getMessage());
    } finally {
      stop.done();
    }
  }

  private InetAddress address() {
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new CodecConfigException("--bind " + bind + ": unknown address");
    }
  }
}
