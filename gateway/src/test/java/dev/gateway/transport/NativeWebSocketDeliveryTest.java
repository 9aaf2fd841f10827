package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Native WebSocket ({@code /ws}) delivery: broadcasts from the HTTP API and from other clients,
 * unregister, headers, ordering and the demo clock channel.
 */
class NativeWebSocketDeliveryTest {

  @RegisterExtension
  // plain channels here (no history, so no stream positions on rec): what a publisher sends
  // is exactly what subscribers get
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("clockIntervalMs", 200))
      // news.*: a channel clients may register to but not publish to (the HTTP API publishes)
      .put("permissions", new JsonObject().put("subscribe",
          new io.vertx.core.json.JsonArray().add("chat.*").add("clock").add("news.*")))
      .put("history", new JsonObject().put("channels", new io.vertx.core.json.JsonArray())));

  static boolean isRec(JsonObject m, String address) {
    return "rec".equals(m.getString("type")) && address.equals(m.getString("address"));
  }

  static HttpResponse<Buffer> apiPublish(JsonObject body) {
    return await(gw.web().post(gw.port(), "127.0.0.1", "/api/publish").sendJsonObject(body));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  @Test
  void subscribersReceivePublishMadeThroughHttpApi() {
    // three subscribers: with two server event loops at least two share a loop and one does not
    try (BridgeClient a = gw.connect();
         BridgeClient b = gw.connect();
         BridgeClient c = gw.connect()) {
      a.register("news.http");
      b.register("news.http");
      c.register("news.http");
      JsonObject body = new JsonObject().put("headline", "gateway ships").put("n", 1);
      HttpResponse<Buffer> resp = apiPublish(new JsonObject().put("address", "news.http").put("body", body));
      assertEquals(202, resp.statusCode(), resp.bodyAsString());
      for (BridgeClient sub : List.of(a, b, c)) {
        JsonObject rec = sub.awaitRec("news.http", 5);
        assertNotNull(rec, "a subscriber did not receive the HTTP publish");
        assertEquals(body, rec.getJsonObject("body"));
      }
    }
  }

  @Test
  void subscriberReceivesPublishFromAnotherClient() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.room1");
      pub.publish("chat.room1", new JsonObject().put("text", "hello"));
      JsonObject rec = sub.awaitRec("chat.room1", 5);
      assertNotNull(rec, "subscriber received nothing");
      assertEquals("hello", rec.getJsonObject("body").getString("text"));
      // string and number bodies travel as they are
      pub.publish("chat.room1", "plain text");
      assertEquals("plain text", sub.awaitRec("chat.room1", 5).getValue("body"));
      pub.publish("chat.room1", 42);
      assertEquals(42, sub.awaitRec("chat.room1", 5).getValue("body"));
    }
  }

  @Test
  void unregisterStopsDeliveryToThatClientOnly() {
    try (BridgeClient leaver = gw.connect();
         BridgeClient stayer = gw.connect();
         BridgeClient pub = gw.connect()) {
      leaver.register("chat.leave");
      leaver.register("chat.marker");
      stayer.register("chat.leave");
      pub.publish("chat.leave", "before");
      assertNotNull(leaver.awaitRec("chat.leave", 5), "registered client got nothing before unregister");

      leaver.send(new JsonObject().put("type", "unregister").put("address", "chat.leave").put("ack", "u1"));
      assertNotNull(leaver.await(m -> "ack".equals(m.getString("type")) && "u1".equals(m.getString("ack")), 5),
          "no ack for unregister");

      // published in this order by one client: "after" on chat.leave, then the marker
      pub.publish("chat.leave", "after");
      pub.publish("chat.marker", "marker");
      List<JsonObject> seen = new ArrayList<>();
      JsonObject marker = leaver.await(m -> {
        seen.add(m);
        return isRec(m, "chat.marker");
      }, 5);
      assertNotNull(marker, "the marker on the still-registered channel did not arrive");
      assertFalse(seen.stream().anyMatch(m -> isRec(m, "chat.leave")),
          "a message on an unregistered channel was delivered: " + seen);
      // the channel itself still works for the client that stayed
      JsonObject kept = stayer.await(m -> isRec(m, "chat.leave") && "after".equals(m.getValue("body")), 5);
      assertNotNull(kept, "the other subscriber lost the channel");
    }
  }

  @Test
  void lastUnregisterThenRegisterAgainDeliversAgain() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.again");
      sub.send(new JsonObject().put("type", "unregister").put("address", "chat.again").put("ack", "u"));
      assertNotNull(sub.await(m -> "u".equals(m.getString("ack")), 5));
      sub.register("chat.again");
      pub.publish("chat.again", "back");
      JsonObject rec = sub.awaitRec("chat.again", 5);
      assertNotNull(rec, "re-registering after the last unregister does not deliver");
      assertEquals("back", rec.getValue("body"));
    }
  }

  @Test
  void publisherHeadersArriveAndInternalHeadersNeverDo() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.headers");
      pub.send(new JsonObject().put("type", "publish").put("address", "chat.headers").put("body", "b")
          .put("headers", new JsonObject().put("x-trace", "t-1").put("priority", 5)));
      JsonObject rec = sub.awaitRec("chat.headers", 5);
      assertNotNull(rec);
      JsonObject headers = rec.getJsonObject("headers");
      assertNotNull(headers, "publisher headers were not forwarded: " + rec);
      assertEquals("t-1", headers.getString("x-trace"));
      assertEquals("5", String.valueOf(headers.getValue("priority")));
      assertNoInternalHeaders(rec);

      HttpResponse<Buffer> resp = apiPublish(new JsonObject().put("address", "chat.headers").put("body", "api")
          .put("headers", new JsonObject().put("x-source", "backend")));
      assertEquals(202, resp.statusCode(), resp.bodyAsString());
      JsonObject apiRec = sub.awaitRec("chat.headers", 5);
      assertNotNull(apiRec);
      assertEquals("backend", apiRec.getJsonObject("headers").getString("x-source"));
      assertNoInternalHeaders(apiRec);

      // without publisher headers the only header is the internal publish time: no headers at all
      pub.publish("chat.headers", "bare");
      JsonObject bare = sub.awaitRec("chat.headers", 5);
      assertNotNull(bare);
      assertFalse(bare.containsKey("headers"), "headers on a message published without any: " + bare);
    }
  }

  static void assertNoInternalHeaders(JsonObject rec) {
    JsonObject headers = rec.getJsonObject("headers");
    if (headers != null) {
      for (String name : headers.fieldNames()) {
        assertFalse(name.startsWith("gateway."), "internal header reached a client: " + rec);
      }
    }
  }

  @Test
  void messagesFromOnePublisherArriveInOrder() {
    int n = 200;
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.order");
      for (int i = 0; i < n; i++) {
        pub.publish("chat.order", new JsonObject().put("seq", i));
      }
      for (int i = 0; i < n; i++) {
        JsonObject rec = sub.awaitRec("chat.order", 10);
        assertNotNull(rec, "message " + i + " of " + n + " did not arrive");
        assertEquals(i, rec.getJsonObject("body").getInteger("seq"), "out of order at " + i);
      }
    }
  }

  @Test
  void clockChannelDeliversTheTime() {
    try (BridgeClient sub = gw.connect()) {
      sub.register("clock");
      JsonObject first = sub.awaitRec("clock", 5);
      JsonObject second = sub.awaitRec("clock", 5);
      assertNotNull(first, "no clock tick");
      assertNotNull(second, "only one clock tick");
      JsonObject body = first.getJsonObject("body");
      assertTrue(body.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), body.encode());
      assertTrue(second.getJsonObject("body").getLong("epochMs") > body.getLong("epochMs"),
          "clock did not advance: " + first + " then " + second);
      assertNoInternalHeaders(first);
    }
  }
}
