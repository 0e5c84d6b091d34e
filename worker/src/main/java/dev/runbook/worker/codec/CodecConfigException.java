package dev.runbook.worker.codec;

/**
 * Payload keys or codec-server settings that cannot be used; the message names where they came from
 * (variable, file and line, flag), never a key or a token.
 */
public final class CodecConfigException extends RuntimeException {
  public CodecConfigException(String message) {
    super(message);
  }
}
