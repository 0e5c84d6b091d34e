package dev.runbook.worker.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AesGcmPayloadCodecTest {
  private static final String K1 = PayloadKeys.generate("k1");
  private static final String K2 = PayloadKeys.generate("k2");

  @TempDir Path dir;

  private static Payload json(String text) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text))
        .build();
  }

  private static AesGcmPayloadCodec codec(String keys) {
    return new AesGcmPayloadCodec(PayloadKeys.parse(keys, "test"));
  }

  @Test
  void encryptsSoThePlainTextIsGoneAndDecryptsBackToTheSamePayload() {
    AesGcmPayloadCodec codec = codec(K1);
    Payload plain = json("{\"ticket\":\"OPS-CANARY-4711\"}");

    Payload sealed = codec.encode(List.of(plain)).get(0);

    assertEquals("binary/encrypted", sealed.getMetadataOrThrow("encoding").toStringUtf8());
    assertEquals("k1", sealed.getMetadataOrThrow("encryption-key-id").toStringUtf8());
    assertFalse(sealed.toByteString().toStringUtf8().contains("CANARY"));
    assertEquals(plain, codec.decode(List.of(sealed)).get(0));
  }

  @Test
  void everyEncryptionUsesAFreshNonce() {
    AesGcmPayloadCodec codec = codec(K1);
    Payload plain = json("\"same\"");

    assertNotEquals(codec.encode(List.of(plain)).get(0), codec.encode(List.of(plain)).get(0));
  }

  @Test
  void anAlteredPayloadFailsAuthenticationInsteadOfDecodingToSomethingElse() {
    AesGcmPayloadCodec codec = codec(K1);
    Payload sealed = codec.encode(List.of(json("\"approve\""))).get(0);
    byte[] data = sealed.getData().toByteArray();
    data[data.length - 1] ^= 1;
    Payload altered = sealed.toBuilder().setData(ByteString.copyFrom(data)).build();

    PayloadCodecException e =
        assertThrows(PayloadCodecException.class, () -> codec.decode(List.of(altered)));
    assertEquals(
        "encrypted payload failed authentication with key 'k1' (altered, or another key)",
        e.getMessage());
  }

  @Test
  void aRelabelledKeyIdFailsBecauseTheIdIsAuthenticatedToo() {
    String sameKeyTwoIds = K1 + "," + "k9:" + K1.substring(3);
    AesGcmPayloadCodec codec = codec(sameKeyTwoIds);
    Payload sealed = codec.encode(List.of(json("1"))).get(0);
    Payload relabelled =
        sealed.toBuilder().putMetadata("encryption-key-id", ByteString.copyFromUtf8("k9")).build();

    assertThrows(PayloadCodecException.class, () -> codec.decode(List.of(relabelled)));
  }

  @Test
  void aPayloadOfAnUnknownKeySaysWhichKeyIsMissing() {
    Payload sealed = codec(K2).encode(List.of(json("1"))).get(0);

    PayloadCodecException e =
        assertThrows(PayloadCodecException.class, () -> codec(K1).decode(List.of(sealed)));
    assertEquals(
        "payload encrypted with key 'k2', which this process does not have (it has k1; see"
            + " RUNBOOK_PAYLOAD_KEYS)",
        e.getMessage());
  }

  @Test
  void rotationEncryptsWithTheFirstKeyAndStillDecryptsWithTheOlderOnes() {
    Payload old = codec(K1).encode(List.of(json("\"old\""))).get(0);
    AesGcmPayloadCodec rotated = codec(K2 + "\n" + K1);

    assertEquals(json("\"old\""), rotated.decode(List.of(old)).get(0));
    Payload fresh = rotated.encode(List.of(json("\"new\""))).get(0);
    assertEquals("k2", fresh.getMetadataOrThrow("encryption-key-id").toStringUtf8());
  }

  @Test
  void plainPayloadsDecodeAsTheyAreSoHistoriesFromBeforeEncryptionStayReadable() {
    Payload plain = json("\"from before\"");

    assertEquals(plain, codec(K1).decode(List.of(plain)).get(0));
  }

  @Test
  void keysAreParsedFromLinesOrCommasAndNeverShownByToString() {
    PayloadKeys keys = PayloadKeys.parse("# rotated 2026-12\n" + K2 + "\n\n" + K1 + "\n", "file");

    assertEquals(List.of("k2", "k1"), keys.ids());
    assertEquals("PayloadKeys[k2, k1]", keys.toString());
    assertEquals(List.of("k1", "k2"), PayloadKeys.parse(K1 + ", " + K2, "x").ids());
  }

  @Test
  void badKeysAreRefusedWithTheEntryAndWhyButNeverTheKey() {
    String shortKey = "k1:" + Base64.getEncoder().encodeToString(new byte[16]);
    assertEquals(
        "RUNBOOK_PAYLOAD_KEYS: key 1 (k1): expected 32 bytes (AES-256), got 16", refusal(shortKey));
    assertEquals("RUNBOOK_PAYLOAD_KEYS: key 2: expected id:base64key", refusal(K1 + ",nocolon"));
    assertEquals(
        "RUNBOOK_PAYLOAD_KEYS: key 1 (k1): the key is not base64", refusal("k1:not base64!"));
    assertEquals(
        "RUNBOOK_PAYLOAD_KEYS: key 1: the id must be 1-64 letters, digits, '.', '_' or '-'",
        refusal("bad id:" + K1.substring(3)));
    assertEquals("RUNBOOK_PAYLOAD_KEYS: key 2: the id k1 is given twice", refusal(K1 + "," + K1));
    assertEquals("RUNBOOK_PAYLOAD_KEYS: no key (expected id:base64key)", refusal(" , "));
  }

  private static String refusal(String keys) {
    return assertThrows(
            CodecConfigException.class,
            () -> PayloadKeys.fromEnvironment(Map.of("RUNBOOK_PAYLOAD_KEYS", keys), null))
        .getMessage();
  }

  @Test
  void aKeyFileMustBeReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, K1 + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    CodecConfigException e =
        assertThrows(
            CodecConfigException.class,
            () ->
                PayloadKeys.fromEnvironment(
                    Map.of("RUNBOOK_PAYLOAD_KEY_FILE", file.toString()), null));
    assertEquals("payload key file " + file + ": readable by others; chmod 600 it", e.getMessage());

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertEquals(List.of("k1"), PayloadKeys.fromEnvironment(Map.of(), file).orElseThrow().ids());
  }

  @Test
  void noKeysMeansNoEncryption() {
    assertTrue(PayloadKeys.fromEnvironment(Map.of(), null).isEmpty());
  }
}
