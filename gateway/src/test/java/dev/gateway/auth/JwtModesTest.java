package dev.gateway.auth;

import static dev.gateway.auth.JwtAuthTest.NEWS;
import static dev.gateway.auth.JwtAuthTest.bearer;
import static dev.gateway.auth.JwtAuthTest.handshakeStatus;
import static dev.gateway.auth.JwtAuthTest.hs256;
import static dev.gateway.auth.JwtAuthTest.token;
import static dev.gateway.auth.JwtAuthTest.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RS256 verification with a PEM public key (and the HS256 algorithm-confusion attack against it),
 * and {@code auth.mode=optional}.
 */
class JwtModesTest {

  static final KeyPair RSA = rsaKeyPair();
  static final String PUBLIC_PEM = pem("PUBLIC KEY", RSA.getPublic().getEncoded());

  @RegisterExtension
  static final GatewayExtension rs256 = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", JwtAuthTest.CHANNELS))
      .put("auth", new JsonObject().put("mode", "required").put("rs256PublicKey", PUBLIC_PEM)));
  @RegisterExtension
  static final GatewayExtension optional = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", JwtAuthTest.CHANNELS))
      .put("auth", new JsonObject().put("mode", "optional").put("hs256Secret", JwtAuthTest.SECRET)));

  static Vertx client;
  static JWTAuth rsSigner;

  @BeforeAll
  static void signer() {
    client = rs256.client();
    rsSigner = rsSigner(client, RSA);
  }

  static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
      gen.initialize(2048);
      return gen.generateKeyPair();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  static JWTAuth rsSigner(Vertx vertx, KeyPair pair) {
    // PKCS#8 private key PEM
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("RS256").setBuffer(pem("PRIVATE KEY", pair.getPrivate().getEncoded()))));
  }

  @Test
  void rs256TokenConnectsAndItsClaimsApply() {
    String t = token(rsSigner, "RS256", NEWS);
    try (BridgeClient a = BridgeClient.connect(client, bearer(rs256.port(), t));
         BridgeClient b = BridgeClient.connect(client, ws(rs256.port(), "/ws?token=" + t))) {
      a.register("news.rs");
      b.publish("news.rs", "signed");
      JsonObject rec = a.awaitRec("news.rs", 5);
      assertNotNull(rec, "publish with an RS256 token not delivered");
      assertEquals("signed", rec.getString("body"));
      b.publish("chat.x", "no");
      JsonObject err = b.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err);
      assertEquals("access_denied", err.getString("body"));
    }
  }

  @Test
  void algorithmConfusionAndForeignKeysRefused() throws Exception {
    // HS256 "signed" with the server's public key text as the HMAC secret
    String confused = token(hs256(client, PUBLIC_PEM), "HS256", NEWS);
    assertEquals(401, handshakeStatus(client, bearer(rs256.port(), confused)), "HS256 with public key");
    String stripped = PUBLIC_PEM.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    String confused2 = token(hs256(client, stripped + stripped), "HS256", NEWS);
    assertEquals(401, handshakeStatus(client, bearer(rs256.port(), confused2)), "HS256 with key body");

    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    String foreign = token(rsSigner(client, gen.generateKeyPair()), "RS256", NEWS);
    assertEquals(401, handshakeStatus(client, bearer(rs256.port(), foreign)), "another RSA key");
    assertEquals(401, handshakeStatus(client, ws(rs256.port(), "/ws")), "no token");
    // an HS256 token on an RS256-only node, whatever its secret
    String hs = token(hs256(client, JwtAuthTest.SECRET), "HS256", NEWS);
    assertEquals(401, handshakeStatus(client, bearer(rs256.port(), hs)), "HS256 on RS256 node");
  }

  @Test
  void optionalModeLetsAnonymousInWithDefaultPermissions() {
    try (BridgeClient anon = BridgeClient.connect(client, optional.port());
         BridgeClient other = BridgeClient.connect(client, optional.port())) {
      anon.register("chat.opt");
      other.publish("chat.opt", "hello");
      JsonObject rec = anon.awaitRec("chat.opt", 5);
      assertNotNull(rec, "anonymous publish not delivered");
      other.publish("news.a", "no");
      JsonObject err = other.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err);
      assertEquals("access_denied", err.getString("body"), "anonymous may only publish chat.*");
    }
  }

  @Test
  void optionalModeRefusesBadTokensAndAppliesValidOnes() {
    long now = System.currentTimeMillis() / 1000;
    String expired = token(hs256(client, JwtAuthTest.SECRET), "HS256", NEWS.copy().put("exp", now - 120));
    String wrongKey = token(hs256(client, "another-secret-another-secret-xx!"), "HS256", NEWS);
    assertEquals(401, handshakeStatus(client, bearer(optional.port(), wrongKey)), "wrong key");
    assertEquals(401, handshakeStatus(client, bearer(optional.port(), expired)), "expired");
    assertEquals(401, handshakeStatus(client, bearer(optional.port(), "garbage")), "malformed");
    assertEquals(401, handshakeStatus(client, ws(optional.port(), "/ws?token=x.y.z")), "malformed");

    String valid = token(hs256(client, JwtAuthTest.SECRET), "HS256", NEWS);
    try (BridgeClient c = BridgeClient.connect(client, bearer(optional.port(), valid))) {
      c.register("news.opt");
      c.publish("chat.x", "not granted");
      JsonObject err = c.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err, "token's claims replace the anonymous permissions");
      assertEquals("access_denied", err.getString("body"));
    }
  }

  @Test
  void optionalModeInvalidTokenInMessageClosesWith1008() {
    try (BridgeClient anon = BridgeClient.connect(client, optional.port())) {
      anon.register("chat.tok");
      anon.send(new JsonObject().put("type", "publish").put("address", "chat.tok").put("body", 1)
          .put("headers", new JsonObject().put("token", "bad.token.value")));
      Short code = anon.awaitClose(5);
      assertNotNull(code, "an invalid token in a message must not be ignored");
      assertEquals(1008, code.intValue());
    }
  }
}
