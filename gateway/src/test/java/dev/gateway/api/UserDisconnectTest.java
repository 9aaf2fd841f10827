package dev.gateway.api;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.UsersApiClient;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.WebSocketSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /api/users/disconnect} on one node: every connection of the user closes with 4503
 * and the backend's reason (cut to fit a close frame) on the native WebSocket and on SockJS, the
 * others stay; with {@code banSeconds} the user's tokens are refused at the handshake and on a
 * first message until the ban ends.
 */
class UserDisconnectTest {

  static final String CLOSED_WS =
      "gateway_connections_closed_total{reason=\"disconnected\",transport=\"websocket\"}";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("news.*")))
      .put("auth", UsersApiClient.auth()));

  static UsersApiClient api;

  @BeforeAll
  static void client() {
    api = new UsersApiClient(gw.client(), null);
  }

  @Test
  void disconnectClosesEveryTransportWith4503AndTheReason() {
    String alice = fresh("alice");
    double closedBefore = gw.metric(CLOSED_WS);
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice));
         SockJsSession streaming = api.sockJs(gw.port(), api.token(alice), "news.d");
         WebSocketSession framed = SockJsSession.webSocket(gw.client(), gw.port());
         BridgeClient bob = api.webSocket(gw.port(), api.token(fresh("bob")))) {
      framed.send(new JsonObject().put("type", "register").put("address", "news.f").put("ack", "f")
          .put("headers", new JsonObject().put("token", api.token(alice))));
      assertNotNull(framed.await(m -> "ack".equals(m.getString("type")), 5), "framed not authenticated");

      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/disconnect",
          new JsonObject().put("user", alice).put("reason", "account closed"));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(3, r.bodyAsJsonObject().getInteger("connections"), r.bodyAsString());

      Short code = ws.awaitClose(2);
      assertNotNull(code, "the WebSocket was not closed");
      assertEquals(4503, code.intValue());
      assertEquals("account closed", ws.closeReason());
      for (SockJsSession s : new SockJsSession[] {streaming, framed}) {
        assertTrue(s.awaitCondition(() -> s.closeFrame() != null, 2), "no close frame: " + s.frames());
        assertEquals(new JsonArray().add(4503).add("account closed"), s.closeFrame());
      }
      assertNull(bob.awaitClose(0), "another user was disconnected");
      bob.register("news.still");
    }
    assertEquals(closedBefore + 1, gw.awaitMetric(CLOSED_WS, v -> v >= closedBefore + 1, 5), 0.0);
    // without a ban the user may come back (the official client reconnects whatever the code)
    assertEquals(101, api.handshakeStatus(gw.port(), api.token(alice)));
  }

  @Test
  void reasonIsCutToACloseFrameWithoutSplittingACharacter() {
    String alice = fresh("alice");
    String reason = "é".repeat(40) + "🙂".repeat(20); // 80 bytes + 80 bytes of UTF-8
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice))) {
      assertEquals(200, api.post(gw.port(), "/api/users/disconnect",
          new JsonObject().put("user", alice).put("reason", reason)).statusCode());
      assertNotNull(ws.awaitClose(2), "not closed");
      String got = ws.closeReason();
      assertEquals("é".repeat(40) + "🙂".repeat(10), got, "cut at 123 bytes, whole characters");
      assertTrue(got.getBytes(StandardCharsets.UTF_8).length <= CloseReason.MAX_TEXT_BYTES);
    }
    assertEquals("ab", CloseReason.fit("ab"));
    assertEquals("x".repeat(123), CloseReason.fit("x".repeat(200)));
    assertEquals("x".repeat(122), CloseReason.fit("x".repeat(122) + "é"), "é needs 2 bytes");
    assertEquals("\uFFFD", CloseReason.fit("\uD800"), "a lone surrogate has no UTF-8 form");
  }

  @Test
  void banRefusesTheUsersTokensUntilItEnds() {
    String alice = fresh("alice");
    String bob = fresh("bob");
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice))) {
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/disconnect",
          new JsonObject().put("user", alice).put("banSeconds", 2));
      long bannedAt = System.nanoTime();
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertTrue(r.bodyAsJsonObject().getLong("bannedUntil") > System.currentTimeMillis(),
          r.bodyAsString());
      assertEquals(4503, ws.awaitClose(2).intValue());

      assertEquals(401, api.handshakeStatus(gw.port(), api.token(alice)), "banned at the handshake");
      assertEquals(101, api.handshakeStatus(gw.port(), api.token(bob)), "another user is not");
      try (SockJsSession s = SockJsSession.xhrStreaming(gw.client(), gw.port())) {
        s.send(new JsonObject().put("type", "ping")
            .put("headers", new JsonObject().put("token", api.token(alice))));
        assertTrue(s.awaitCondition(() -> s.closeFrame() != null, 5), "SockJS took the banned token");
        assertEquals(1008, s.closeFrame().getInteger(0));
      }
      assertTrue(gw.metric("gateway_user_bans") >= 1, "the ban is not counted");

      long deadline = System.nanoTime() + 6_000_000_000L;
      int status;
      do {
        status = api.handshakeStatus(gw.port(), api.token(alice));
      } while (status != 101 && System.nanoTime() < deadline);
      assertEquals(101, status, "the ban did not end");
      assertTrue(System.nanoTime() - bannedAt > 1_500_000_000L, "the ban ended early");
    }
  }

  @Test
  void banWithoutConnectionsStillBansAndBanSecondsIsBounded() {
    String carol = fresh("carol");
    HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/disconnect",
        new JsonObject().put("user", carol).put("banSeconds", 1));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(0, r.bodyAsJsonObject().getInteger("connections"));
    assertEquals(401, api.handshakeStatus(gw.port(), api.token(carol)));
    for (Object bad : new Object[] {0, 604_801, 1.5, "10"}) {
      r = api.post(gw.port(), "/api/users/disconnect",
          new JsonObject().put("user", carol).put("banSeconds", bad));
      assertEquals(400, r.statusCode(), "banSeconds " + bad + ": " + r.bodyAsString());
      assertEquals("invalid_field", r.bodyAsJsonObject().getString("error"));
    }
    // without a ban and without connections: nobody to disconnect
    r = api.post(gw.port(), "/api/users/disconnect", new JsonObject().put("user", fresh("nobody")));
    assertEquals(404, r.statusCode(), r.bodyAsString());
    assertEquals("user_not_found", r.bodyAsJsonObject().getString("error"));
  }
}
