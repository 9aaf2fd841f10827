package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.SseClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /sse}: publications arrive as {@code rec} JSON with a cursor in {@code id:}; the
 * cursor resumes every channel exactly (each missed publication once, in order, then the live
 * ones); a position history no longer holds is reported {@code recovered:false} in the first
 * event; refusals have their HTTP status and JSON error; a malformed cursor is 400.
 */
class SseTest {

  static final JsonObject CONFIG = new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*")
          .add("small.*").add("news.*")))
      .put("history", new JsonObject().put("channels", new JsonArray()
          .add("chat.* size=100 maxBytes=1000000 ttlSeconds=300")
          .add("small.* size=3 maxBytes=1000000 ttlSeconds=300")))
      .put("sse", new JsonObject().put("heartbeatMs", 200).put("retryMs", 1500));

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(CONFIG);

  static SseClient open(String query, Map<String, String> headers) {
    return SseClient.open(gw.client(), gw.port(), "/sse?" + query, headers);
  }

  /** An open stream, past its {@code subscribed} event (returned in {@code first}). */
  static SseClient subscribed(String query, Map<String, String> headers, JsonObject[] first)
      throws InterruptedException {
    SseClient c = open(query, headers);
    assertEquals(200, c.status(), "GET /sse?" + query + ": " + c.body());
    SseClient.Event e = c.next(10);
    assertTrue(e != null && e.type().equals("subscribed"), "first event: " + e);
    if (first != null) {
      first[0] = e.json();
    }
    return c;
  }

  static void publish(String channel, int from, int to) {
    for (int i = from; i <= to; i++) {
      assertEquals(202, gw.publish(channel, new JsonObject().put("i", i)), "publish " + i);
    }
  }

  /** The {@code i} of the next {@code n} publications of {@code channel} (others are skipped). */
  static List<Integer> received(SseClient c, String channel, int n) throws InterruptedException {
    List<Integer> is = new ArrayList<>();
    while (is.size() < n) {
      SseClient.Event e = c.await(x -> x.type().equals("message"), 10, null);
      JsonObject rec = e.json();
      if (rec.getString("address").equals(channel)) {
        is.add(rec.getJsonObject("body").getInteger("i"));
      }
    }
    return is;
  }

  static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      r.add(i);
    }
    return r;
  }

  @Test
  void publicationsArriveAsRecJsonWithACursorAndHeartbeats() throws Exception {
    String chat = GatewayExtension.fresh("chat.sse");
    String news = GatewayExtension.fresh("news.sse");
    JsonObject[] first = new JsonObject[1];
    try (SseClient c = subscribed("channel=" + chat + "&channel=" + news, Map.of(), first)) {
      assertEquals("text/event-stream; charset=utf-8", c.header("Content-Type"));
      assertEquals("no-store", c.header("Cache-Control"));
      assertEquals("no", c.header("X-Accel-Buffering"));
      assertEquals(1500, c.retry(), "retry: field");
      JsonArray channels = first[0].getJsonArray("channels");
      assertEquals(new JsonObject().put("address", chat).put("recovered", true).put("offset", "0")
          .put("epoch", ""), channels.getJsonObject(0), "a history channel: its position");
      assertEquals(new JsonObject().put("address", news), channels.getJsonObject(1));
      String opened = c.lastEventId();
      assertFalse(opened.isEmpty(), "the first event carries a cursor");

      assertEquals(202, gw.publish(chat, new JsonObject().put("text", "hi\nthere")));
      SseClient.Event e = c.await("message", 10);
      JsonObject rec = e.json();
      assertEquals("rec", rec.getString("type"));
      assertEquals(chat, rec.getString("address"));
      assertEquals(new JsonObject().put("text", "hi\nthere"), rec.getJsonObject("body"));
      assertEquals("1", rec.getJsonObject("headers").getString("gateway.offset"));
      assertNotEquals(opened, e.id(), "a history publication moves the cursor");

      assertEquals(202, gw.publish(news, new JsonObject().put("n", 1)));
      SseClient.Event plain = c.await("message", 10);
      assertEquals(new JsonObject().put("type", "rec").put("address", news)
          .put("body", new JsonObject().put("n", 1)), plain.json(), "same JSON as a rec on /ws");
      assertEquals(e.id(), plain.id(), "a channel without history leaves the cursor as it was");

      Await.value(c::comments, n -> n >= 2, 5);
      assertTrue(c.comments() >= 2, "heartbeat comments every sse.heartbeatMs");
      assertEquals(1, gw.metric("gateway_connections{transport=\"sse\"}"), "counted as a connection");
    }
  }

  @Test
  void aCursorResumesEveryChannelExactly() throws Exception {
    String a = GatewayExtension.fresh("chat.resume-a");
    String b = GatewayExtension.fresh("chat.resume-b");
    String query = "channel=" + a + "&channel=" + b;
    String cursor;
    try (SseClient c = subscribed(query, Map.of(), null)) {
      publish(a, 1, 5);
      publish(b, 1, 3);
      assertEquals(range(1, 5), received(c, a, 5));
      assertEquals(range(1, 3), received(c, b, 3));
      cursor = c.lastEventId();
    }
    publish(a, 6, 12);
    publish(b, 4, 6);
    JsonObject[] first = new JsonObject[1];
    try (SseClient c = subscribed(query, Map.of("Last-Event-ID", cursor), first)) {
      for (Object o : first[0].getJsonArray("channels")) {
        assertEquals(true, ((JsonObject) o).getBoolean("recovered"), "recovered: " + first[0]);
      }
      List<SseClient.Event> events = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        SseClient.Event e = c.next(10);
        assertTrue(e != null, "replayed publication " + i + " of 10; got " + events);
        events.add(e);
      }
      List<Integer> ofA = new ArrayList<>();
      List<Integer> ofB = new ArrayList<>();
      for (SseClient.Event e : events) {
        JsonObject rec = e.json();
        (rec.getString("address").equals(a) ? ofA : ofB).add(rec.getJsonObject("body").getInteger("i"));
      }
      assertEquals(range(6, 12), ofA, "the missed ones of " + a + ", in order, once");
      assertEquals(range(4, 6), ofB, "the missed ones of " + b + ", in order, once");
      assertNull(c.next(1), "nothing more than what was missed");
      publish(a, 13, 13);
      assertEquals(List.of(13), received(c, a, 1), "then the live ones");
    }
  }

  @Test
  void theFirstConnectTakesTheCursorFromTheQuery() throws Exception {
    String a = GatewayExtension.fresh("chat.query");
    String cursor;
    try (SseClient c = subscribed("channel=" + a, Map.of(), null)) {
      cursor = c.lastEventId();
    }
    publish(a, 1, 2);
    try (SseClient c = subscribed("channel=" + a + "&lastEventId=" + cursor, Map.of(), null)) {
      assertEquals(range(1, 2), received(c, a, 2), "published before the first event was read");
    }
  }

  @Test
  void aPositionHistoryNoLongerHoldsIsReportedFirst() throws Exception {
    String small = GatewayExtension.fresh("small.lost");
    String news = GatewayExtension.fresh("news.lost");
    String query = "channel=" + small + "&channel=" + news;
    String cursor;
    try (SseClient c = subscribed(query, Map.of(), null)) {
      publish(small, 1, 1);
      assertEquals(List.of(1), received(c, small, 1));
      cursor = c.lastEventId();
    }
    publish(small, 2, 10); // history keeps 3: 8, 9, 10
    JsonObject[] first = new JsonObject[1];
    try (SseClient c = subscribed(query, Map.of("Last-Event-ID", cursor), first)) {
      JsonObject lost = first[0].getJsonArray("channels").getJsonObject(0);
      assertEquals(small, lost.getString("address"));
      assertEquals(false, lost.getBoolean("recovered"), "not served whole: " + first[0]);
      assertEquals("10", lost.getString("offset"), "with the current position");
      JsonObject plain = first[0].getJsonArray("channels").getJsonObject(1);
      assertEquals(new JsonObject().put("address", news).put("recovered", false)
          .put("reason", "no_history"), plain, "a resumed channel without history");
      assertNull(c.next(1), "nothing replayed");
      publish(small, 11, 11);
      assertEquals(List.of(11), received(c, small, 1));
    }
  }

  @Test
  void refusalsHaveTheirStatusAndJsonError() throws Exception {
    assertRefused("channel=secret.x", Map.of(), 403, "access_denied");
    assertRefused("channel=chat.a&channel=secret.x", Map.of(), 403, "access_denied");
    assertRefused("", Map.of(), 400, "missing_channel");
    assertRefused("channel=chat.a", Map.of("Origin", "https://elsewhere.example"), 403,
        "origin_rejected");
    assertRefused("channel=" + "chat." + "x".repeat(300), Map.of(), 400, "address_too_long");
    Await.value(() -> gw.metric("gateway_connections{transport=\"sse\"}"), v -> v == 0, 5);
    assertEquals(0, gw.metric("gateway_connections{transport=\"sse\"}"), "nothing left open");
  }

  @Test
  void aMalformedOrOversizedCursorIs400() throws Exception {
    assertRefused("channel=chat.a", Map.of("Last-Event-ID", "not!base64"), 400, "invalid_cursor");
    String wrongVersion = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {9, 0});
    assertRefused("channel=chat.a", Map.of("Last-Event-ID", wrongVersion), 400, "invalid_cursor");
    String truncated = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, 0, 5, 'c'});
    assertRefused("channel=chat.a&lastEventId=" + truncated, Map.of(), 400, "invalid_cursor");
    assertRefused("channel=chat.a", Map.of("Last-Event-ID", "A".repeat(5000)), 400, "invalid_cursor");
    assertTrue(gw.metric("gateway_sse_requests_total{outcome=\"invalid_cursor\"}") >= 4);
  }

  static void assertRefused(String query, Map<String, String> headers, int status, String error) {
    try (SseClient c = open(query, headers)) {
      c.awaitEnd(10);
      assertEquals(status, c.status(), query + ": " + c.body());
      assertEquals(error, new JsonObject(c.body()).getString("error"), c.body());
      assertEquals("application/json", c.header("Content-Type"));
    }
  }
}
