package dev.runbook.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

/** The caller's public IPv4 address as a /32, for the jump box's security group. */
final class CallerAddress {
  static final URI SERVICE = URI.create("https://checkip.amazonaws.com/");
  private static final Pattern IPV4 = Pattern.compile("^([0-9]{1,3}\\.){3}[0-9]{1,3}$");

  private CallerAddress() {}

  /** 127.0.0.1/32 for provider local (nothing to open), else asked of {@link #SERVICE}. */
  static String detect(String provider) {
    if ("local".equals(provider)) {
      return "127.0.0.1/32";
    }
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> answer =
          client.send(
              HttpRequest.newBuilder(SERVICE).timeout(Duration.ofSeconds(5)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      String address = answer.body().trim();
      if (answer.statusCode() != 200 || !IPV4.matcher(address).matches()) {
        throw new IOException("unexpected answer " + answer.statusCode());
      }
      return address + "/32";
    } catch (IOException e) {
      throw fail(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("interrupted");
    }
  }

  private static CliException fail(String why) {
    return new CliException(
        ExitCode.INVALID_INPUT,
        "cannot detect your public address from "
            + SERVICE
            + " ("
            + why
            + "); pass --cidr A.B.C.D/32");
  }
}
