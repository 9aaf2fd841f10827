package dev.gateway.history;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.UsersApiClient;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Server-side subscriptions (the token's {@code channels} claim, the users API) on history
 * channels recover like a client's register: a reconnecting client gives the positions it holds
 * as it connects ({@code /ws?positions=...}, or {@code gateway.positions} with SockJS's first
 * token), and gets exactly what it missed, in order, then the live publications. Bad positions
 * are refused clearly and lose nothing else.
 */
class ServerSideRecoveryTest {

  static final String KEY = "server-side-recovery-key";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("api", new JsonObject().put("key", KEY))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*")))
      .put("auth", UsersApiClient.auth())
      .put("history", new JsonObject().put("channels", new JsonArray()
          .add("chat.* size=100 maxBytes=1000000 ttlSeconds=300"))));

  static UsersApiClient api;

  @BeforeAll
  static void client() {
    api = new UsersApiClient(gw.client(), KEY);
  }

  @Test
  void claimedChannelRecoversOnWebSocketFromTheHandshakePositions() {
    String alice = fresh("alice");
    String channel = fresh("chat.claimed");
    String token = api.token(alice, claim(channel));
    String epoch;
    try (BridgeClient first = api.webSocket(gw.port(), token)) {
      JsonObject subscribed = first.await(subscribed(channel), 5);
      assertNotNull(subscribed, "no subscribed notice for the claimed channel");
      assertNull(subscribed.getValue("recovered"), "no position was given: " + subscribed);
      publish(channel, 1, 2);
      assertEquals(List.of(1L, 2L), offsets(first, channel, 2));
      epoch = epochOf(channel);
    }
    publish(channel, 3, 4, 5); // missed while away
    try (BridgeClient again = webSocket(token, positions(channel, "2", epoch))) {
      JsonObject subscribed = again.await(subscribed(channel), 5);
      assertNotNull(subscribed, "no subscribed notice after the reconnect");
      assertEquals(true, subscribed.getBoolean("recovered"), subscribed.encode());
      assertEquals("5", subscribed.getString("offset"), subscribed.encode());
      assertEquals(epoch, subscribed.getString("epoch"), subscribed.encode());
      publish(channel, 6);
      assertEquals(List.of(3L, 4L, 5L, 6L), offsets(again, channel, 4),
          "the missed publications, in order, then the live one");
      assertNull(again.awaitRec(channel, 1), "a publication arrived twice");
    }
  }

  @Test
  void claimedChannelRecoversOnSockJsFromTheFirstMessagesPositions() {
    String alice = fresh("alice");
    String channel = fresh("chat.sockjs");
    String token = api.token(alice, claim(channel));
    publish(channel, 1, 2, 3);
    String epoch = epochOf(channel);
    try (SockJsSession s = SockJsSession.xhrStreaming(gw.client(), gw.port())) {
      s.send(new JsonObject().put("type", "ping").put("headers", new JsonObject()
          .put("token", token).put("gateway.positions", positions(channel, "1", epoch))));
      JsonObject subscribed = s.await(subscribed(channel), 5);
      assertNotNull(subscribed, "no subscribed notice: " + s.frames());
      assertEquals(true, subscribed.getBoolean("recovered"), subscribed.encode());
      assertEquals("3", subscribed.getString("offset"), subscribed.encode());
      assertEquals(List.of(2L, 3L), offsets(s, channel, 2));
    }
  }

  @Test
  void usersApiSubscriptionRecoversFromTheConnectPositions() {
    String alice = fresh("alice");
    String channel = fresh("chat.pushed");
    publish(channel, 1, 2, 3, 4);
    String epoch = epochOf(channel);
    try (BridgeClient ws = webSocket(api.token(alice, new JsonObject()),
        positions(channel, "2", epoch))) {
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonObject subscribed = ws.await(subscribed(channel), 5);
      assertNotNull(subscribed, "no subscribed notice");
      assertEquals(true, subscribed.getBoolean("recovered"), subscribed.encode());
      assertEquals(List.of(3L, 4L), offsets(ws, channel, 2));
      // the position is used once: a second subscription starts where the channel is
      api.post(gw.port(), "/api/users/unsubscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertNotNull(ws.await(m -> "unsubscribed".equals(m.getString("type")), 5));
      api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      JsonObject again = ws.await(subscribed(channel), 5);
      assertNotNull(again, "no second subscribed notice");
      assertNull(again.getValue("recovered"), again.encode());
      assertNull(ws.awaitRec(channel, 1), "a second subscription replayed");
    }
  }

  @Test
  void aPositionOfAnotherEpochIsNotRecoveredAndSaysSo() {
    String alice = fresh("alice");
    String channel = fresh("chat.stale");
    publish(channel, 1, 2);
    try (BridgeClient ws = webSocket(api.token(alice, claim(channel)),
        positions(channel, "1", "0123456789abcdef"))) {
      JsonObject subscribed = ws.await(subscribed(channel), 5);
      assertNotNull(subscribed, "no subscribed notice");
      assertEquals(false, subscribed.getBoolean("recovered"), subscribed.encode());
      assertEquals("2", subscribed.getString("offset"), subscribed.encode());
      assertNull(ws.awaitRec(channel, 1), "something was replayed from another epoch");
      publish(channel, 3);
      assertEquals(List.of(3L), offsets(ws, channel, 1), "live publications go on");
    }
  }

  @Test
  void malformedHandshakePositionsAreRefusedWith400() throws Exception {
    String token = api.token(fresh("alice"), new JsonObject());
    for (String bad : List.of("not json", "{\"chat.a\":{\"offset\":5,\"epoch\":\"e\"}}",
        "{\"chat.a\":{\"offset\":\"-1\",\"epoch\":\"e\"}}",
        "{\"chat.a\":{\"offset\":\"3\",\"epoch\":\"\"}}", "[]")) {
      io.vertx.core.http.WebSocketClient client = gw.client().createWebSocketClient();
      try {
        client.connect(options(token, bad)).await(10, java.util.concurrent.TimeUnit.SECONDS);
        throw new AssertionError("upgraded with positions " + bad);
      } catch (io.vertx.core.http.UpgradeRejectedException e) {
        assertEquals(400, e.getStatus(), bad);
        assertEquals("invalid_position", new JsonObject(e.getBody()).getString("error"), bad);
      } finally {
        client.close();
      }
    }
  }

  @Test
  void positionsAfterTheFirstTokenAreRefusedAndTheMessageStillHandled() {
    String alice = fresh("alice");
    String channel = fresh("chat.late");
    JsonObject mayRead = new JsonObject().put("subscribe", new JsonArray().add("chat.*"));
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, mayRead))) {
      ws.send(new JsonObject().put("type", "register").put("address", channel).put("ack", "r1")
          .put("headers", new JsonObject().put("token", api.token(alice, mayRead))
              .put("gateway.positions", positions(channel, "0", ""))));
      JsonObject err = ws.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err, "positions after the handshake's token were taken silently");
      assertEquals("invalid_position", err.getString("body"), err.encode());
      assertNotNull(ws.await(m -> "ack".equals(m.getString("type"))
          && "r1".equals(m.getString("ack")), 5), "the register itself was lost");
    }
  }

  private static JsonObject claim(String channel) {
    return new JsonObject().put("channels", new JsonArray().add(channel));
  }

  private static JsonObject positions(String channel, String offset, String epoch) {
    return new JsonObject().put(channel, new JsonObject().put("offset", offset).put("epoch", epoch));
  }

  private static WebSocketConnectOptions options(String token, String positions) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
        .setURI("/ws?positions=" + URLEncoder.encode(positions, StandardCharsets.UTF_8))
        .addHeader("Authorization", "Bearer " + token);
  }

  private static BridgeClient webSocket(String token, JsonObject positions) {
    return BridgeClient.connect(gw.client(), options(token, positions.encode()));
  }

  private static Predicate<JsonObject> subscribed(String channel) {
    return m -> "subscribed".equals(m.getString("type")) && channel.equals(m.getString("channel"));
  }

  /** Publishes {@code {"n":i}} for each i through the publish API. */
  private static void publish(String channel, int... ns) {
    for (int n : ns) {
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/publish",
          new JsonObject().put("address", channel).put("body", new JsonObject().put("n", n)));
      assertEquals(202, r.statusCode(), r.bodyAsString());
    }
  }

  /** The channel's epoch, as a history request answers it. */
  private static String epochOf(String channel) {
    try (BridgeClient reader = api.webSocket(gw.port(), api.token(fresh("reader"), new JsonObject()
        .put("subscribe", new JsonArray().add("chat.*"))))) {
      reader.send(new JsonObject().put("type", "history").put("address", channel)
          .put("ack", "h").put("limit", 1));
      JsonObject h = reader.await(m -> "history".equals(m.getString("type")), 5);
      assertNotNull(h, "no history answer");
      return h.getString("epoch");
    }
  }

  private static List<Long> offsets(BridgeClient c, String channel, int n) {
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject rec = c.awaitRec(channel, 5);
      assertNotNull(rec, "got " + offsets + ", expected " + n);
      offsets.add(RecoveryTest.offsetOf(rec));
    }
    return offsets;
  }

  private static List<Long> offsets(SockJsSession s, String channel, int n) {
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject rec = s.awaitRec(channel, 5);
      assertNotNull(rec, "got " + offsets + ", expected " + n + ": " + s.frames());
      offsets.add(RecoveryTest.offsetOf(rec));
    }
    return offsets;
  }
}
