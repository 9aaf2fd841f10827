package dev.gateway.auth;

import static dev.gateway.auth.JwtAuthTest.NEWS;
import static dev.gateway.auth.JwtAuthTest.token;
import static dev.gateway.auth.JwtAuthTest.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code auth.mode=required} on SockJS, where a browser cannot set handshake headers: the first
 * message must carry {@code headers.token}; the token header is never forwarded.
 */
class JwtSockJsTest {

  static JWTAuth signer;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", JwtAuthTest.CHANNELS))
      .put("auth", new JsonObject().put("mode", "required")
          .put("hs256Secret", JwtAuthTest.SECRET).put("leewaySeconds", 0)));

  @BeforeAll
  static void signer() {
    signer = JwtAuthTest.hs256(gw.client(), JwtAuthTest.SECRET);
  }

  private BridgeClient raw() {
    return BridgeClient.connect(gw.client(), ws(gw.port(), "/eventbus/websocket"));
  }

  private static JsonObject register(String address, String ack, String token) {
    JsonObject m = new JsonObject().put("type", "register").put("address", address).put("ack", ack);
    if (token != null) {
      m.put("headers", new JsonObject().put("token", token));
    }
    return m;
  }

  @Test
  void firstMessageWithoutTokenClosesWith1008() {
    try (BridgeClient c = raw()) {
      c.send(register("news.a", "a1", null));
      Short code = c.awaitClose(5);
      assertNotNull(code, "unauthenticated first message did not close the session");
      assertEquals(1008, code.intValue());
    }
    try (BridgeClient c = raw()) {
      c.send(new JsonObject().put("type", "ping"));
      Short code = c.awaitClose(5);
      assertNotNull(code, "a ping without token is a first message too");
      assertEquals(1008, code.intValue());
    }
    try (BridgeClient c = raw()) {
      c.socket.writeTextMessage("not json");
      Short code = c.awaitClose(5);
      assertNotNull(code, "invalid first message did not close the session");
      assertEquals(1008, code.intValue());
    }
  }

  @Test
  void invalidTokenInFirstMessageClosesWith1008() {
    long now = System.currentTimeMillis() / 1000;
    String expired = token(signer, "HS256", NEWS.copy().put("exp", now - 120));
    for (String bad : new String[] {"garbage", expired}) {
      try (BridgeClient c = raw()) {
        c.send(register("news.a", "a1", bad));
        Short code = c.awaitClose(5);
        assertNotNull(code, "bad token accepted: " + bad);
        assertEquals(1008, code.intValue());
        // closed: whatever the gateway wrote before the close is in the queue
        List<JsonObject> before = c.drain();
        assertTrue(before.stream().noneMatch(m -> "ack".equals(m.getString("type"))),
            "registered with a bad token: " + before);
      }
    }
  }

  @Test
  void validTokenInFirstMessageAuthenticatesAndGrantsClaims() {
    String t = token(signer, "HS256", NEWS);
    try (BridgeClient c = raw()) {
      c.send(register("news.a", "a1", t));
      JsonObject ack = c.await(m -> "ack".equals(m.getString("type")), 5);
      assertNotNull(ack, "no ack for an authenticated register");
      assertEquals("a1", ack.getString("ack"));
      // later messages need no token; the claims still apply
      c.send(register("sport.a", "a2", null));
      JsonObject err = c.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err);
      assertEquals("access_denied", err.getString("body"));
      assertNull(c.awaitClose(0), "still open");
    }
  }

  @Test
  void tokenHeaderNeverReachesSubscribers() {
    String t = token(signer, "HS256", NEWS);
    try (BridgeClient sub = raw(); BridgeClient pub = raw()) {
      sub.send(register("news.hdr", "s1", t));
      assertNotNull(sub.await(m -> "ack".equals(m.getString("type")), 5));
      pub.send(new JsonObject().put("type", "publish").put("address", "news.hdr").put("body", "one")
          .put("headers", new JsonObject().put("token", t).put("x-trace", "abc")));
      JsonObject rec = sub.awaitRec("news.hdr", 5);
      assertNotNull(rec, "authenticated publish not delivered");
      JsonObject headers = rec.getJsonObject("headers", new JsonObject());
      assertEquals("abc", headers.getString("x-trace"), rec.encode());
      assertTrue(headers.fieldNames().stream().noneMatch(n -> n.equalsIgnoreCase("token")), rec.encode());
      assertFalse(rec.encode().contains(t), "the token leaked: " + rec.encode());

      // same token again under another spelling of the header name
      pub.send(new JsonObject().put("type", "publish").put("address", "news.hdr").put("body", "two")
          .put("headers", new JsonObject().put("Token", t)));
      JsonObject rec2 = sub.awaitRec("news.hdr", 5);
      assertNotNull(rec2);
      assertFalse(rec2.encode().contains(t), "the token leaked: " + rec2.encode());
    }
  }

  @Test
  void revocationClosesSockJsSessionWith4501() throws Exception {
    String jti = "sockjs-rev-" + System.nanoTime();
    String t = token(signer, "HS256", NEWS.copy().put("jti", jti));
    try (BridgeClient c = raw()) {
      c.send(register("news.rev", "r1", t));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")), 5));
      assertEquals(202, gw.post("/api/revoke", new JsonObject().put("jti", jti))
          .statusCode());
      Short code = c.awaitClose(5);
      assertNotNull(code, "revoked SockJS session not closed");
      assertEquals(4501, code.intValue());
    }
    try (BridgeClient c = raw()) {
      c.send(register("news.rev", "r2", t));
      Short code = c.awaitClose(5);
      assertNotNull(code, "revoked token accepted in a first message");
      assertEquals(1008, code.intValue());
    }
  }

  @Test
  void refreshedTokenReplacesTheExpiringOne() {
    long now = System.currentTimeMillis() / 1000;
    String shortLived = token(signer, "HS256", NEWS.copy().put("exp", now + 2));
    String fresh = token(signer, "HS256", NEWS);
    try (BridgeClient c = raw()) {
      c.send(register("news.refresh", "f1", shortLived));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")), 5));
      c.send(new JsonObject().put("type", "ping").put("headers", new JsonObject().put("token", fresh)));
      // past the first token's expiry: still open, still allowed
      assertNull(c.awaitClose(3), "closed although the token was refreshed: " + c.closeReason());
      c.send(register("news.refresh2", "f2", null));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")), 5));
    }
  }

  @Test
  void expiredTokenClosesSockJsSessionWith4004() {
    long now = System.currentTimeMillis() / 1000;
    String shortLived = token(signer, "HS256", NEWS.copy().put("exp", now + 2));
    try (BridgeClient c = raw()) {
      c.send(register("news.exp", "e1", shortLived));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")), 5));
      Short code = c.awaitClose(6);
      assertNotNull(code, "not closed at expiry");
      assertEquals(4004, code.intValue());
    }
  }

  /**
   * A refreshed token with narrower claims: "an authenticated connection may do exactly what its
   * claims list", so a channel the new token does not grant must not keep delivering.
   */
  @Test
  void refreshWithNarrowerClaimsStopsDeliveriesOfNoLongerGrantedChannels() throws Exception {
    // the same user in both: a refresh naming another user (or adding one) closes with 1008
    String wide = token(signer, "HS256", NEWS.copy().put("sub", "same-user"));
    String narrow = token(signer, "HS256", new JsonObject()
        .put("subscribe", new JsonArray().add("sport.*")).put("sub", "same-user"));
    try (BridgeClient c = raw()) {
      c.send(register("news.secret", "n1", wide));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")), 5));
      // refresh with the narrower token (it authenticates this message), then prove it applies
      c.send(register("news.other", "n2", narrow));
      JsonObject denied = c.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(denied, "the narrower token was not applied");
      assertEquals("access_denied", denied.getString("body"));
      // a channel the narrower token grants, published after the no-longer-granted one: it is
      // delivered, and nothing of news.secret came before it
      c.send(register("sport.marker", "n3", null));
      assertNotNull(c.await(m -> "ack".equals(m.getString("type")) && "n3".equals(m.getString("ack")), 5),
          "no ack for a channel the narrower token grants");
      assertEquals(202, gw.post("/api/publish",
          new JsonObject().put("address", "news.secret").put("body", "classified")).statusCode());
      assertEquals(202, gw.post("/api/publish",
          new JsonObject().put("address", "sport.marker").put("body", "marker")).statusCode());
      List<JsonObject> seen = new ArrayList<>();
      JsonObject marker = c.await(m -> {
        seen.add(m);
        return "rec".equals(m.getString("type")) && "sport.marker".equals(m.getString("address"));
      }, 5);
      assertNotNull(marker, "the granted channel's message did not arrive: " + seen);
      assertTrue(seen.stream().noneMatch(m -> "news.secret".equals(m.getString("address"))),
          "still receiving a channel the current token does not grant: " + seen);
    }
  }

  /** The SockJS-framed WebSocket transport: frames o, a[...], c[code,reason]. */
  @Test
  void sockJsFramedSessionClosesWithCloseFrame1008() throws Exception {
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    WebSocketClient wsc = gw.client().createWebSocketClient();
    try {
      WebSocket socket = connect(wsc, "/eventbus/000/unauth1/websocket", frames);
      assertEquals("o", frames.poll(5, TimeUnit.SECONDS));
      socket.writeTextMessage(new JsonArray().add(register("news.a", "a1", null).encode()).encode());
      String close = next(frames, f -> f.startsWith("c"), 5);
      assertNotNull(close, "no close frame");
      JsonArray c = new JsonArray(close.substring(1));
      assertEquals(1008, c.getInteger(0), close);

      BlockingQueue<String> okFrames = new LinkedBlockingQueue<>();
      WebSocket ok = connect(wsc, "/eventbus/000/auth1/websocket", okFrames);
      assertEquals("o", okFrames.poll(5, TimeUnit.SECONDS));
      String t = token(signer, "HS256", NEWS);
      ok.writeTextMessage(new JsonArray().add(register("news.a", "a9", t).encode()).encode());
      String data = next(okFrames, f -> f.startsWith("a"), 5);
      assertNotNull(data, "no answer to an authenticated register");
      JsonObject ack = new JsonObject(new JsonArray(data.substring(1)).getString(0));
      assertEquals("a9", ack.getString("ack"), data);
      ok.close();
    } finally {
      wsc.close();
    }
  }

  /** Connects, with the frame handler set on the event loop before the server's first frame. */
  private static WebSocket connect(WebSocketClient wsc, String uri, BlockingQueue<String> frames)
      throws Exception {
    return wsc.connect(ws(gw.port(), uri)).map(w -> {
      w.textMessageHandler(frames::add);
      return w;
    }).await(10, TimeUnit.SECONDS);
  }

  private static String next(BlockingQueue<String> q, java.util.function.Predicate<String> p,
                             long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String f = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (f != null && p.test(f)) {
        return f;
      }
    }
    return null;
  }
}
