package dev.gateway.auth;

import static dev.gateway.auth.JwtAuthTest.handshakeStatus;
import static dev.gateway.auth.JwtAuthTest.token;
import static dev.gateway.auth.JwtAuthTest.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.GatewayExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A single node holds at most {@code auth.maxRevocations} revocations: at the bound a new one is
 * refused with 507 {@code revocation_limit} (counted), the ones held stay in force, and revoking
 * a token already revoked still succeeds.
 */
class RevocationLimitTest {

  static final String SECRET = "revocation-limit-test-secret-32-chars!!";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("auth", new JsonObject().put("mode", "required").put("hs256Secret", SECRET)
          .put("leewaySeconds", 0)), Map.of("GATEWAY_MAX_REVOCATIONS", "2"));

  @Test
  void theBoundRefusesANewRevocationAndKeepsTheOldOnes() {
    JWTAuth signer = JwtAuthTest.hs256(gw.client(), SECRET);
    String a = "lim-a-" + UUID.randomUUID();
    String b = "lim-b-" + UUID.randomUUID();
    String c = "lim-c-" + UUID.randomUUID();
    assertEquals(202, revoke(a).statusCode());
    assertEquals(202, revoke(b).statusCode());
    HttpResponse<Buffer> refused = revoke(c);
    assertEquals(507, refused.statusCode(), refused.bodyAsString());
    assertEquals("revocation_limit", refused.bodyAsJsonObject().getString("error"));
    assertEquals(202, revoke(a).statusCode(), "revoking a revoked token again");
    assertEquals(1.0, gw.node().metric("gateway_revocations_refused_total"));
    assertEquals(2.0, gw.node().metric("gateway_revocations"));
    assertEquals(401, handshake(signer, a), "revoked first");
    assertEquals(401, handshake(signer, b), "revoked second");
    assertEquals(101, handshake(signer, c), "the refused revocation must not hold");
  }

  private int handshake(JWTAuth signer, String jti) {
    return handshakeStatus(gw.client(), ws(gw.port(), "/ws?token=" + token(signer, "HS256", claims(jti))));
  }

  private HttpResponse<Buffer> revoke(String jti) {
    return gw.post("/api/revoke", new JsonObject().put("jti", jti));
  }

  static JsonObject claims(String jti) {
    return new JsonObject().put("jti", jti).put("subscribe", new JsonArray().add("chat.*"));
  }
}
