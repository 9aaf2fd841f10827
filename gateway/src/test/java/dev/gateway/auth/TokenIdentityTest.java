package dev.gateway.auth;

import static dev.gateway.auth.JwtAuthTest.NEWS;
import static dev.gateway.auth.JwtAuthTest.bearer;
import static dev.gateway.auth.JwtAuthTest.handshakeStatus;
import static dev.gateway.auth.JwtAuthTest.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A connection's identity comes from its token: the user ({@code sub}) never changes on a
 * refresh, and the {@code info} shown to others is bounded.
 */
class TokenIdentityTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", JwtAuthTest.CHANNELS))
      .put("auth", new JsonObject().put("mode", "required").put("hs256Secret", JwtAuthTest.SECRET)
          .put("leewaySeconds", 0)));

  static JWTAuth signer;

  @BeforeAll
  static void signer() {
    signer = JwtAuthTest.hs256(gw.client(), JwtAuthTest.SECRET);
  }

  private static String tokenOf(String sub) {
    JsonObject claims = NEWS.copy();
    if (sub != null) {
      claims.put("sub", sub);
    }
    return token(signer, "HS256", claims);
  }

  /** A publish carrying a token in its headers (how a connection refreshes its token). */
  private static JsonObject publishWithToken(String token, int n) {
    return new JsonObject().put("type", "publish").put("address", "news.id").put("body", n)
        .put("headers", new JsonObject().put("token", token));
  }

  @Test
  void refreshWithTheSameUserKeepsTheConnection() {
    try (BridgeClient c = BridgeClient.connect(gw.client(), bearer(gw.port(), tokenOf("alice")))) {
      c.register("news.id");
      c.send(publishWithToken(tokenOf("alice"), 1));
      JsonObject rec = c.awaitRec("news.id", 5);
      assertNotNull(rec, "a refreshed token of the same user must keep working");
      assertNull(c.awaitClose(1), "closed although the user did not change");
    }
  }

  /**
   * A refresh naming another user ends the connection, and so does one naming a user where the
   * first token named none: a connection never becomes someone's (or someone else's).
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(value = {"alice,mallory", "NONE,alice"}, nullValues = "NONE")
  void refreshWithAnotherUserClosesWith1008(String first, String refreshed) {
    try (BridgeClient c = BridgeClient.connect(gw.client(), bearer(gw.port(), tokenOf(first)))) {
      c.register("news.id");
      c.send(publishWithToken(tokenOf(refreshed), 1));
      Short code = c.awaitClose(5);
      assertNotNull(code, "a token of another user must end the connection");
      assertEquals(1008, code.intValue());
    }
  }

  @Test
  void infoClaimOverOneKibibyteIsRefused() {
    JsonObject small = NEWS.copy().put("sub", "alice")
        .put("info", new JsonObject().put("name", "a".repeat(1000)));
    JsonObject large = NEWS.copy().put("sub", "alice")
        .put("info", new JsonObject().put("name", "a".repeat(1100)));
    assertEquals(101, handshakeStatus(gw.client(), bearer(gw.port(), token(signer, "HS256", small))));
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), token(signer, "HS256", large))));
  }
}
