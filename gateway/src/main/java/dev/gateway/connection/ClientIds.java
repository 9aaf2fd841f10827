package dev.gateway.connection;

import java.security.SecureRandom;
import java.util.Base64;

/** Client ids: 128 random bits from a {@link SecureRandom}, URL-safe base64 (22 characters). */
final class ClientIds {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private ClientIds() {
  }

  static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return ENCODER.encodeToString(bytes);
  }
}
