package dev.gateway.transport;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.SseClient;
import dev.gateway.support.UsersApiClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Server-side subscriptions on {@code /sse}: the token's {@code channels} claim subscribes the
 * stream as on the other transports, and its history channels are in the cursor, so a
 * {@code Last-Event-ID} resumes them exactly; the cursor's bound ({@code sse.maxCursorBytes})
 * holds for them too: a claim that could outgrow it is 400, a users-API subscription that would
 * is {@code too_many_channels}.
 */
class SseServerSideTest {

  static final String KEY = "sse-server-side-key";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("api", new JsonObject().put("key", KEY))
      .put("auth", UsersApiClient.auth())
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*")
          .add("news.*")))
      .put("history", new JsonObject().put("channels", new JsonArray()
          .add("chat.* size=100 maxBytes=1000000 ttlSeconds=300")))
      // one history channel of a test's names fits in the cursor, two do not
      .put("sse", new JsonObject().put("maxCursorBytes", 100)));

  static UsersApiClient api;

  @BeforeAll
  static void client() {
    api = new UsersApiClient(gw.client(), KEY);
  }

  @Test
  void theChannelsClaimSubscribesTheStreamAndItsCursorResumesThem() throws Exception {
    String named = fresh("news.named"); // no history: the cursor holds the claimed one only
    String claimed = fresh("chat.claimed");
    String token = api.token(fresh("ann"), new JsonObject()
        .put("subscribe", new JsonArray().add(named))
        .put("channels", new JsonArray().add(claimed)));
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
    String cursor;
    try (SseClient c = open(named, auth)) {
      JsonObject notice = c.await(e -> e.type().equals("subscribed"), 5, null).json();
      assertEquals(new JsonObject().put("address", claimed).put("offset", "0").put("epoch", ""),
          notice.getJsonArray("channels").getJsonObject(0), "the claimed channel's notice");
      publish(claimed, 1, 2);
      assertEquals(List.of(1, 2), received(c, claimed, 2));
      cursor = c.lastEventId();
    }
    publish(claimed, 3, 5); // missed while away
    try (SseClient c = open(named, Map.of("Authorization", "Bearer " + token,
        "Last-Event-ID", cursor))) {
      JsonObject outcome = c.await(e -> e.type().equals("subscribed"), 5, null).json()
          .getJsonArray("channels").getJsonObject(0);
      assertEquals(claimed, outcome.getString("address"), outcome.encode());
      assertEquals(true, outcome.getBoolean("recovered"), outcome.encode());
      assertEquals("5", outcome.getString("offset"), outcome.encode());
      publish(claimed, 6, 6);
      assertEquals(List.of(3, 4, 5, 6), received(c, claimed, 4),
          "the missed publications of the claimed channel, in order, once, then the live one");
      assertNull(c.next(1), "a publication came twice");
    }
  }

  @Test
  void aClaimThatCouldOutgrowTheCursorIs400() {
    String token = api.token(fresh("ann"), new JsonObject()
        .put("subscribe", new JsonArray().add("chat.*"))
        .put("channels", new JsonArray().add(fresh("chat.claimed"))));
    try (SseClient c = open(fresh("chat.named"), Map.of("Authorization", "Bearer " + token))) {
      assertEquals(400, c.status(), c.body());
      c.awaitEnd(5);
      assertEquals("cursor_too_large", new JsonObject(c.body()).getString("error"), c.body());
    }
  }

  @Test
  void aUsersApiSubscriptionThatWouldOutgrowTheCursorIsRefused() throws Exception {
    String user = fresh("ann");
    String token = api.token(user, new JsonObject().put("subscribe", new JsonArray().add("chat.*")));
    try (SseClient c = open(fresh("chat.named"), Map.of("Authorization", "Bearer " + token))) {
      assertEquals(200, c.status(), c.body());
      assertEquals(new JsonObject().put("too_many_channels", 1), outcomes(user, fresh("chat.more")));
      // a channel without history adds nothing to the cursor
      String news = fresh("news.more");
      assertEquals(new JsonObject().put("subscribed", 1), outcomes(user, news));
      publish(news, 1, 1);
      assertEquals(List.of(1), received(c, news, 1));
    }
  }

  private static SseClient open(String channel, Map<String, String> headers) {
    SseClient c = SseClient.open(gw.client(), gw.port(), "/sse?channel=" + channel, headers);
    if (c.status() == 200) {
      try {
        SseClient.Event first = c.next(10);
        assertTrue(first != null && first.type().equals("subscribed"), "first event: " + first);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return c;
  }

  private static JsonObject outcomes(String user, String channel) {
    HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/subscribe",
        new JsonObject().put("user", user).put("address", channel));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject().getJsonObject("outcomes");
  }

  private static void publish(String channel, int from, int to) {
    for (int i = from; i <= to; i++) {
      assertEquals(202, api.post(gw.port(), "/api/publish", new JsonObject().put("address", channel)
          .put("body", new JsonObject().put("i", i))).statusCode(), "publish " + i);
    }
  }

  private static List<Integer> received(SseClient c, String channel, int n)
      throws InterruptedException {
    List<Integer> is = new ArrayList<>();
    while (is.size() < n) {
      SseClient.Event e = c.await(x -> x.type().equals("message"), 10, null);
      assertTrue(e != null, "got " + is + " of " + n + " on " + channel);
      JsonObject rec = e.json();
      if (rec.getString("address").equals(channel)) {
        is.add(rec.getJsonObject("body").getInteger("i"));
      }
    }
    return is;
  }
}
