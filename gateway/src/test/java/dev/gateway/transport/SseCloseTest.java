package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.SseClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /sse} with {@code auth.mode=required}: the token from {@code Authorization: Bearer},
 * the {@code sse.tokenCookie} cookie or the {@code token} parameter, 401 without a valid one,
 * 403 beyond its claims; a revoked token ends the stream with {@code event: close} 4501 and a
 * terminal cursor, whose reconnect is answered 204; a client that stops reading is closed 4000
 * with the same final event, read once it reads again.
 */
class SseCloseTest {

  static final String SECRET = "0123456789abcdef0123456789abcdef-sse-secret";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*")
          .add("news.*")))
      .put("auth", new JsonObject().put("mode", "required").put("hs256Secret", SECRET))
      .put("sse", new JsonObject().put("tokenCookie", "gw_token"))
      .put("server", new JsonObject().put("sendBufferBytes", 8192))
      .put("limits", new JsonObject().put("outboundQueueBytes", 32 * 1024)
          .put("slowConsumerTimeoutMs", 500)));

  static String token(String jti) {
    JWTAuth auth = JWTAuth.create(gw.client(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return auth.generateToken(new JsonObject().put("sub", "ann").put("jti", jti)
        .put("subscribe", new JsonArray().add("chat.*")),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60));
  }

  static SseClient open(String query, Map<String, String> headers) {
    return SseClient.open(gw.client(), gw.port(), "/sse?" + query, headers);
  }

  static void assertStatus(int status, String error, SseClient c) {
    c.awaitEnd(10);
    assertEquals(status, c.status(), c.body());
    assertEquals(error, new JsonObject(c.body()).getString("error"), c.body());
  }

  @Test
  void theTokenComesFromAHeaderTheCookieOrTheQuery() throws Exception {
    String t = token(UUID.randomUUID().toString());
    for (Map.Entry<String, Map<String, String>> way : Map.of(
        "channel=chat.a", Map.of("Authorization", "Bearer " + t),
        "channel=chat.b", Map.of("Cookie", "other=1; gw_token=" + t),
        "channel=chat.c&token=" + t, Map.<String, String>of()).entrySet()) {
      try (SseClient c = open(way.getKey(), way.getValue())) {
        assertEquals(200, c.status(), way + ": " + c.body());
        assertEquals("subscribed", c.next(10).type());
      }
    }
    try (SseClient c = open("channel=chat.a", Map.of())) {
      assertStatus(401, "missing_token", c);
    }
    try (SseClient c = open("channel=chat.a&token=not-a-jwt", Map.of())) {
      assertStatus(401, "invalid_token", c);
      assertTrue(!c.body().contains("not-a-jwt"), "the token is never echoed: " + c.body());
    }
    try (SseClient c = open("channel=news.a", Map.of("Cookie", "gw_token=" + t))) {
      assertStatus(403, "access_denied", c); // outside the token's subscribe claim
    }
  }

  @Test
  void aTerminalCloseEndsTheStreamAndItsReconnectIsAnswered204() throws Exception {
    String jti = UUID.randomUUID().toString();
    String t = token(jti);
    String cursor;
    try (SseClient c = open("channel=chat.revoked", Map.of("Cookie", "gw_token=" + t))) {
      assertEquals("subscribed", c.next(10).type());
      String before = c.lastEventId();
      assertEquals(202, gw.post("/api/revoke", new JsonObject().put("jti", jti)).statusCode());
      SseClient.Event close = c.await("close", 10);
      assertEquals(new JsonObject().put("code", 4501).put("reason", "token_revoked"), close.json());
      c.awaitEnd(10);
      cursor = c.lastEventId();
      assertTrue(!cursor.equals(before), "the close event carries a terminal cursor");
    }
    // what an EventSource does next: the same URL with Last-Event-ID (a fresh token even)
    try (SseClient again = open("channel=chat.revoked", Map.of("Last-Event-ID", cursor,
        "Authorization", "Bearer " + token(UUID.randomUUID().toString())))) {
      again.awaitEnd(10);
      assertEquals(204, again.status(), "the one answer that stops an EventSource: " + again.body());
    }
    assertTrue(gw.metric("gateway_sse_requests_total{outcome=\"stopped\"}") >= 1);
  }

  @Test
  void aClientThatStopsReadingIsClosed4000AndReadsWhy() throws Exception {
    String channel = GatewayExtension.fresh("chat.slow");
    String t = token(UUID.randomUUID().toString());
    String sample = "gateway_connections_closed_total{reason=\"slow_consumer\",transport=\"sse\"}";
    double before = gw.metric(sample);
    ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
    try (SseClient c = SseClient.open(gw.client(), new HttpClientOptions().setReceiveBufferSize(4096),
        gw.port(), "/sse?channel=" + channel, Map.of("Authorization", "Bearer " + t))) {
      assertEquals("subscribed", c.next(10).type());
      c.pause();
      String body = "x".repeat(1000);
      publisher.scheduleAtFixedRate(() -> {
        for (int i = 0; i < 5; i++) {
          gw.node().vertx.eventBus().publish(channel, body);
        }
      }, 0, 5, TimeUnit.MILLISECONDS);
      Await.value(() -> gw.metric(sample), v -> v > before, 10);
      assertEquals(before + 1, gw.metric(sample), "closed as a slow consumer");
      publisher.shutdownNow();
      c.resume();
      SseClient.Event close = c.await("close", 10);
      assertEquals(new JsonObject().put("code", 4000).put("reason", "slow_consumer"), close.json());
      c.awaitEnd(10);
      assertTrue(gw.metric("gateway_messages_dropped_total{transport=\"sse\"}") > 0, "drops counted");
    } finally {
      publisher.shutdownNow();
    }
  }
}
