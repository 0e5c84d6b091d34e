package dev.runbook.worker.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts every payload (workflow input, step inputs and outputs, results, update arguments, memo)
 * with AES-256-GCM before it leaves this process, so the Temporal server and its database hold
 * ciphertext only. Each payload gets a fresh 96-bit nonce; the key id is authenticated with it. A
 * payload that is not encrypted decodes as it is (histories written before encryption was turned on
 * stay readable). Search attributes are not payloads of this codec: they stay readable for list and
 * the UI.
 */
public final class AesGcmPayloadCodec implements PayloadCodec {
  /** The {@code encoding} metadata of an encrypted payload. */
  public static final String ENCODING = "binary/encrypted";

  static final String KEY_ID = "encryption-key-id";
  static final String CIPHER = "encryption-cipher";
  private static final String CIPHER_NAME = "AES256-GCM";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final PayloadKeys keys;
  private final SecureRandom random = new SecureRandom();

  public AesGcmPayloadCodec(PayloadKeys keys) {
    this.keys = keys;
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    return payloads.stream().map(this::encrypt).toList();
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    return payloads.stream().map(this::decrypt).toList();
  }

  private Payload encrypt(Payload payload) {
    if (isEncrypted(payload)) {
      return payload;
    }
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    String id = keys.currentId();
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.current(), nonce, id);
      byte[] sealed = cipher.doFinal(payload.toByteArray());
      ByteBuffer data = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
      return Payload.newBuilder()
          .putMetadata("encoding", utf8(ENCODING))
          .putMetadata(KEY_ID, utf8(id))
          .putMetadata(CIPHER, utf8(CIPHER_NAME))
          .setData(ByteString.copyFrom(data.array()))
          .build();
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot encrypt a payload with key " + id, e);
    }
  }

  private Payload decrypt(Payload payload) {
    if (!isEncrypted(payload)) {
      return payload;
    }
    ByteString idBytes = payload.getMetadataMap().get(KEY_ID);
    String id = idBytes == null ? "" : idBytes.toStringUtf8();
    SecretKey key =
        keys.byId(id)
            .orElseThrow(
                () ->
                    new PayloadCodecException(
                        "payload encrypted with key '"
                            + id
                            + "', which this process does not have (it has "
                            + String.join(", ", keys.ids())
                            + "; see "
                            + PayloadKeys.KEYS_VARIABLE
                            + ")"));
    byte[] data = payload.getData().toByteArray();
    if (data.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new PayloadCodecException("encrypted payload too short to be one (key " + id + ")");
    }
    try {
      byte[] nonce = java.util.Arrays.copyOfRange(data, 0, NONCE_BYTES);
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, id);
      byte[] plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
      return Payload.parseFrom(plain);
    } catch (AEADBadTagException e) {
      throw new PayloadCodecException(
          "encrypted payload failed authentication with key '"
              + id
              + "' (altered, or another key)");
    } catch (GeneralSecurityException | InvalidProtocolBufferException e) {
      throw new PayloadCodecException("cannot decrypt a payload with key '" + id + "'", e);
    }
  }

  private static Cipher cipher(int mode, SecretKey key, byte[] nonce, String id)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(id.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  static boolean isEncrypted(Payload payload) {
    ByteString encoding = payload.getMetadataMap().get("encoding");
    return encoding != null && ENCODING.equals(encoding.toStringUtf8());
  }

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
