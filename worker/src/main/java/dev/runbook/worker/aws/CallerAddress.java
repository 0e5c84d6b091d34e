package dev.runbook.worker.aws;

import dev.runbook.engine.workflow.FailureType;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The single-host CIDR an ingress rule opens: the one given (a /32 or /128; a bare address becomes
 * one), else the worker's public address as a service such as {@code checkip.amazonaws.com} answers
 * it. Anything wider is refused: the engine never opens a network range.
 */
final class CallerAddress {
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]{2,45}$");

  private CallerAddress() {}

  /** A single-host CIDR ({@code a.b.c.d/32} or {@code x:y::z/128}). */
  record Cidr(String text, boolean ipv6) {}

  /** {@code given} as a single-host CIDR, or an INVALID_PLAN failure saying why not. */
  static Cidr parse(String given, String source) {
    String text = given.strip();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    String prefix = slash < 0 ? null : text.substring(slash + 1);
    boolean v4 = IPV4.matcher(address).matches();
    boolean v6 = !v4 && address.contains(":") && IPV6.matcher(address).matches() && isIpv6(address);
    if (!v4 && !v6) {
      throw FailureType.INVALID_PLAN.failure(
          source + " '" + given + "' is not an IPv4 or IPv6 address (a.b.c.d/32 or x:y::z/128)");
    }
    String single = v4 ? "32" : "128";
    if (prefix != null && !prefix.equals(single)) {
      throw FailureType.INVALID_PLAN.failure(
          "refused: "
              + source
              + " "
              + given
              + " is a network, not one address: the engine opens only a single host (/"
              + single
              + ")");
    }
    return new Cidr(address + "/" + single, v6);
  }

  /** The worker's public address, asked of {@code url}; CONFIGURATION when it cannot be had. */
  static Cidr detect(URI url, Duration timeout) {
    String hint =
        "; give the address instead: `cidr` in the step's with (e.g. -p cidr=203.0.113.7/32)";
    String body;
    try {
      HttpClient client =
          HttpClient.newBuilder()
              .connectTimeout(timeout)
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw FailureType.CONFIGURATION.failure(
            "cannot detect the worker's public address: "
                + url
                + " answered HTTP "
                + response.statusCode()
                + hint);
      }
      body = response.body() == null ? "" : response.body().strip();
    } catch (IOException e) {
      throw FailureType.CONFIGURATION.failure(
          "cannot detect the worker's public address: "
              + url
              + " is not reachable ("
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + ")"
              + hint);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FailureType.TRANSIENT.failure("interrupted while asking " + url + " for the address");
    }
    String first = body.lines().findFirst().orElse("").strip();
    if (first.length() > 45 || !(IPV4.matcher(first).matches() || isIpv6(first))) {
      throw FailureType.CONFIGURATION.failure(
          "cannot detect the worker's public address: "
              + url
              + " answered something that is not an address"
              + hint);
    }
    return parse(first, "the address from " + url);
  }

  private static boolean isIpv6(String text) {
    if (!text.contains(":") || !IPV6.matcher(text).matches()) {
      return false;
    }
    try {
      InetAddress parsed = InetAddress.getByName(text); // a literal: no DNS lookup
      return parsed instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
