package dev.runbook.worker.codec;

import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.List;

/** The data converter of clients and workers: plain JSON, or JSON encrypted with payload keys. */
public final class PayloadEncryption {
  private PayloadEncryption() {}

  /** {@code keys} null: Temporal's default converter, payloads as plain JSON. */
  public static DataConverter dataConverter(PayloadKeys keys) {
    DataConverter json = DefaultDataConverter.newDefaultInstance();
    return keys == null
        ? json
        : new CodecDataConverter(json, List.of(new AesGcmPayloadCodec(keys)));
  }
}
