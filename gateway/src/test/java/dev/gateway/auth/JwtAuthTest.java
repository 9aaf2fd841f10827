package dev.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code auth.mode=required} with an HS256 secret on the native WebSocket: the token at the
 * handshake (header or query), what the claims grant, expiry while connected, revocation.
 */
class JwtAuthTest {

  static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
  static final JsonObject NEWS = new JsonObject()
      .put("subscribe", new JsonArray().add("news.*"))
      .put("publish", new JsonArray().add("news.*"));

  /** The channel namespaces the node opens; the tokens' claims narrow them. */
  static final JsonArray CHANNELS = new JsonArray().add("news.*").add("sport.*").add("chat.*");

  static final String MISSING_TOKEN = "gateway_auth_failures_total{reason=\"missing_token\"}";
  static final String INVALID_TOKEN = "gateway_auth_failures_total{reason=\"invalid_token\"}";
  static final String TOKEN_EXPIRED =
      "gateway_connections_closed_total{reason=\"token_expired\",transport=\"websocket\"}";

  static JWTAuth signer;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", CHANNELS))
      .put("auth", new JsonObject().put("mode", "required").put("hs256Secret", SECRET).put("leewaySeconds", 0)));

  @BeforeAll
  static void signer() {
    signer = hs256(gw.client(), SECRET);
  }

  static JWTAuth hs256(Vertx vertx, String secret) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  /** A token valid for a minute with the given claims (plus a fresh jti unless given). */
  static String token(JWTAuth auth, String alg, JsonObject claims) {
    JsonObject c = claims.copy();
    if (!c.containsKey("jti")) {
      c.put("jti", UUID.randomUUID().toString());
    }
    JWTOptions options = new JWTOptions().setAlgorithm(alg);
    if (!c.containsKey("exp")) {
      options.setExpiresInSeconds(60);
    }
    return auth.generateToken(c, options);
  }

  static WebSocketConnectOptions ws(int port, String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
  }

  static WebSocketConnectOptions bearer(int port, String token) {
    return ws(port, "/ws").addHeader("Authorization", "Bearer " + token);
  }

  /** The handshake's HTTP status: 101 when upgraded (then closed), else the refusal status. */
  static int handshakeStatus(Vertx vertx, WebSocketConnectOptions options) {
    WebSocketClient wsc = vertx.createWebSocketClient();
    try {
      WebSocket socket = wsc.connect(options).await(10, TimeUnit.SECONDS);
      socket.close();
      return 101;
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    } catch (Exception e) {
      throw new AssertionError("handshake failed without an HTTP answer: " + e, e);
    } finally {
      wsc.close();
    }
  }

  @Test
  void validTokenConnectsViaBearerHeaderAndQueryParameter() {
    String t = token(signer, "HS256", NEWS);
    try (BridgeClient viaHeader = BridgeClient.connect(gw.client(), bearer(gw.port(), t));
         BridgeClient viaQuery = BridgeClient.connect(gw.client(), ws(gw.port(), "/ws?token=" + t))) {
      viaHeader.register("news.both");
      viaQuery.register("news.both");
    }
  }

  @Test
  void claimsGrantExactlyWhatTheyList() {
    String t = token(signer, "HS256", NEWS);
    try (BridgeClient a = BridgeClient.connect(gw.client(), bearer(gw.port(), t));
         BridgeClient b = BridgeClient.connect(gw.client(), bearer(gw.port(), t))) {
      a.register("news.a");
      b.send(new JsonObject().put("type", "register").put("address", "sport.a").put("ack", "s1"));
      JsonObject denied = b.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(denied, "no err for register sport.a");
      assertEquals("access_denied", denied.getString("body"), denied.encode());

      b.publish("news.a", new JsonObject().put("n", 1));
      JsonObject rec = a.awaitRec("news.a", 5);
      assertNotNull(rec, "publish to news.a not delivered");
      assertEquals(1, rec.getJsonObject("body").getInteger("n"));

      // chat.* is open to anonymous connections by default, but not granted by this token
      b.publish("chat.x", "hi");
      JsonObject err = b.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err, "no err for publish chat.x");
      assertEquals("access_denied", err.getString("body"), err.encode());
      // and send (echo is open to anonymous) is not granted either
      b.send(new JsonObject().put("type", "send").put("address", "echo").put("body", "x")
          .put("replyAddress", "r1"));
      JsonObject sendErr = b.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(sendErr, "no err for send echo");
      assertEquals("ACCESS_DENIED", sendErr.getString("failureType"), sendErr.encode());
    }
  }

  @Test
  void badTokensRefusedWith401AtHandshake() {
    long now = System.currentTimeMillis() / 1000;
    String expired = token(signer, "HS256", NEWS.copy().put("exp", now - 120));
    String wrongKey = token(hs256(gw.client(), "another-secret-another-secret-xx!"), "HS256", NEWS);
    String valid = token(signer, "HS256", NEWS);
    String tampered = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA";
    String algNone = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
        + b64(NEWS.copy().put("exp", now + 60).encode()) + ".";
    double before = gw.metric("gateway_handshakes_rejected_total{reason=\"unauthorized\"}");
    double missingBefore = gw.metric(MISSING_TOKEN);
    double invalidBefore = gw.metric(INVALID_TOKEN);
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), expired)), "expired");
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), wrongKey)), "wrong key");
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), "not.a.jwt")), "malformed");
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), "garbage")), "malformed");
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), tampered)), "bad signature");
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), algNone)), "alg none");
    assertEquals(401, handshakeStatus(gw.client(), ws(gw.port(), "/ws?token=" + algNone)), "alg none");
    assertEquals(401, handshakeStatus(gw.client(), ws(gw.port(), "/ws")), "no token");
    assertEquals(401, handshakeStatus(gw.client(), ws(gw.port(), "/ws?token=")), "empty token");
    assertEquals(before + 9,
        gw.metric("gateway_handshakes_rejected_total{reason=\"unauthorized\"}"), 0.0);
    // only the handshake without any token is missing_token; an empty ?token= is a token, refused
    assertEquals(missingBefore + 1, gw.metric(MISSING_TOKEN), 0.0, "missing_token");
    assertEquals(invalidBefore + 8, gw.metric(INVALID_TOKEN), 0.0, "invalid_token");
  }

  @Test
  void refusalIsJsonWithWwwAuthenticate() throws Exception {
    WebSocketClient wsc = gw.client().createWebSocketClient();
    try {
      wsc.connect(ws(gw.port(), "/ws")).await(10, TimeUnit.SECONDS);
      throw new AssertionError("connected without a token");
    } catch (UpgradeRejectedException e) {
      assertEquals(401, e.getStatus());
      assertEquals("Bearer", e.getHeaders().get("WWW-Authenticate"));
      assertEquals("missing_token", new JsonObject(e.getBody()).getString("error"));
    } finally {
      wsc.close();
    }
  }

  @Test
  void tokenExpiringWhileConnectedClosesWith4004() {
    // 3-4 s: long enough for the handshake on a loaded machine, short enough to wait for
    long exp = System.currentTimeMillis() / 1000 + 4;
    String t = token(signer, "HS256", NEWS.copy().put("exp", exp));
    double expiredBefore = gw.metric(TOKEN_EXPIRED);
    try (BridgeClient c = BridgeClient.connect(gw.client(), bearer(gw.port(), t))) {
      c.register("news.expiring"); // open and working right after the handshake
      Short code = c.awaitClose(10);
      assertNotNull(code, "not closed after the token expired");
      assertEquals(4004, code.intValue(), "close reason " + c.closeReason());
      assertTrue(System.currentTimeMillis() >= exp * 1000 - 1000, "closed well before exp");
    }
    assertEquals(expiredBefore + 1, gw.metric(TOKEN_EXPIRED), 0.0, "closes counted as token_expired");
  }

  @Test
  void revokedTokenClosesWith4501AndIsRefusedAfterwards() throws Exception {
    String jti = "rev-" + UUID.randomUUID();
    String revoked = token(signer, "HS256", NEWS.copy().put("jti", jti));
    String other = token(signer, "HS256", NEWS);
    double closedBefore = gw.metric(
        "gateway_connections_closed_total{reason=\"token_revoked\",transport=\"websocket\"}");
    try (BridgeClient victim = BridgeClient.connect(gw.client(), bearer(gw.port(), revoked));
         BridgeClient victim2 = BridgeClient.connect(gw.client(), ws(gw.port(), "/ws?token=" + revoked));
         BridgeClient bystander = BridgeClient.connect(gw.client(), bearer(gw.port(), other))) {
      victim.register("news.rev");
      victim2.register("news.rev");
      bystander.register("news.rev");

      HttpResponse<Buffer> r = gw.post("/api/revoke", new JsonObject().put("jti", jti));
      assertEquals(202, r.statusCode(), r.bodyAsString());

      Short code = victim.awaitClose(5);
      assertNotNull(code, "revoked connection not closed");
      assertEquals(4501, code.intValue(), "close reason " + victim.closeReason());
      Short code2 = victim2.awaitClose(5);
      assertNotNull(code2, "second revoked connection not closed");
      assertEquals(4501, code2.intValue());

      // the other token's connection is untouched
      bystander.publish("news.rev", "still here");
      assertNotNull(bystander.awaitRec("news.rev", 5), "bystander lost its connection");
      assertNull(bystander.awaitClose(0));
    }
    assertEquals(401, handshakeStatus(gw.client(), bearer(gw.port(), revoked)), "revoked token reused");
    assertEquals(401, handshakeStatus(gw.client(), ws(gw.port(), "/ws?token=" + revoked)));
    assertEquals(101, handshakeStatus(gw.client(), bearer(gw.port(), other)));
    assertEquals(closedBefore + 2, gw.metric(
        "gateway_connections_closed_total{reason=\"token_revoked\",transport=\"websocket\"}"), 0.0);
  }

  @Test
  void revokeWithoutJtiIsBadRequest() throws Exception {
    assertEquals(400, gw.post("/api/revoke", new JsonObject().put("sub", "x")).statusCode());
  }

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
