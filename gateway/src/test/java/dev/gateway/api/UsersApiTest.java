package dev.gateway.api;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.UsersApiClient;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The users API on one node, with real clients of one user on the native WebSocket and on
 * SockJS (xhr-streaming): publish to a user, the connections list, server-side subscriptions
 * (API and the token's {@code channels} claim) and the channel limit. Bad input:
 * {@link UsersApiInputTest}; disconnect and bans: {@link UserDisconnectTest}.
 */
class UsersApiTest {

  static final String KEY = "users-api-test-key";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("api", new JsonObject().put("key", KEY))
      .put("permissions", new JsonObject()
          .put("subscribe", new JsonArray().add("news.*").add("sport.*").add("chat.*"))
          .put("publish", new JsonArray().add("news.*")))
      .put("limits", new JsonObject().put("maxChannelsPerConnection", 4))
      .put("auth", UsersApiClient.auth()));

  static UsersApiClient api;

  @BeforeAll
  static void client() {
    api = new UsersApiClient(gw.client(), KEY);
  }

  /** A token that may subscribe to news.* only (the server side goes past that). */
  static JsonObject newsOnly() {
    return new JsonObject().put("subscribe", new JsonArray().add("news.*"));
  }

  @Test
  void publishReachesEveryConnectionOfTheUserOnceOnEveryTransport() {
    String alice = fresh("alice");
    String inbox = "inbox." + alice;
    try (BridgeClient ws1 = api.webSocket(gw.port(), api.token(alice, newsOnly()));
         BridgeClient ws2 = api.webSocket(gw.port(), api.token(alice, newsOnly()));
         SockJsSession sockJs = api.sockJs(gw.port(), api.token(alice, newsOnly()), "news.a");
         BridgeClient bob = api.webSocket(gw.port(), api.token(fresh("bob"), newsOnly()))) {
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/publish", new JsonObject()
          .put("user", alice).put("address", inbox).put("body", new JsonObject().put("n", 1))
          .put("headers", new JsonObject().put("kind", "personal")));
      assertEquals(202, r.statusCode(), r.bodyAsString());
      JsonObject answer = r.bodyAsJsonObject();
      assertEquals(3, answer.getInteger("connections"), answer.encode());
      assertEquals(0, answer.getInteger("dropped"), answer.encode());
      assertEquals(List.of(), answer.getJsonArray("unanswered").getList(), answer.encode());

      for (JsonObject rec : List.of(ws1.awaitRec(inbox, 5), ws2.awaitRec(inbox, 5),
          sockJs.awaitRec(inbox, 5))) {
        assertNotNull(rec, "a connection of the user got nothing");
        assertEquals(1, rec.getJsonObject("body").getInteger("n"), rec.encode());
        assertEquals("personal", rec.getJsonObject("headers").getString("kind"), rec.encode());
      }
      // once each: nothing more arrives on the address, and nothing at all for another user
      assertNull(ws1.awaitRec(inbox, 1), "a second copy reached the first WebSocket");
      assertNull(ws2.awaitRec(inbox, 0), "a second copy reached the second WebSocket");
      assertNull(sockJs.awaitRec(inbox, 0), "a second copy reached the SockJS session");
      assertNull(bob.awaitRec(inbox, 0), "another user got the message");
    }
  }

  @Test
  void connectionsListsEachConnectionWithItsTransportAndChannels() {
    String alice = fresh("alice");
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, newsOnly()));
         SockJsSession sockJs = api.sockJs(gw.port(), api.token(alice, newsOnly()), "news.list")) {
      ws.register("news.ws");
      HttpResponse<Buffer> r = api.connections(gw.port(), alice);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonArray list = UsersApiClient.list(r);
      assertEquals(2, list.size(), r.bodyAsString());
      Set<String> transports = new HashSet<>();
      Set<String> clients = new HashSet<>();
      for (Object o : list) {
        JsonObject c = (JsonObject) o;
        transports.add(c.getString("transport"));
        clients.add(c.getString("client"));
        assertEquals(22, c.getString("client").length(), c.encode());
        assertEquals("local", c.getString("node"), c.encode());
        String expected = c.getString("transport").equals("websocket") ? "news.ws" : "news.list";
        assertEquals(List.of(expected), c.getJsonArray("channels").getList(), c.encode());
      }
      assertEquals(Set.of("websocket", "xhr-streaming"), transports, r.bodyAsString());
      assertEquals(2, clients.size(), "client ids must differ: " + r.bodyAsString());
      assertEquals(false, r.bodyAsJsonObject().getBoolean("truncated"));
    }
    // once closed, the user is gone from the index
    assertEquals(404, awaitStatus(alice, 404), "the user's connections stayed listed after closing");
  }

  @Test
  void subscribeAndUnsubscribeServerSideBypassTheTokensClaimButNotTheNamespaces() {
    String alice = fresh("alice");
    String channel = fresh("sport.pushed"); // a channel, but not in the token's subscribe claim
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, newsOnly()));
         SockJsSession sockJs = api.sockJs(gw.port(), api.token(alice, newsOnly()), "news.s")) {
      ws.send(new JsonObject().put("type", "register").put("address", channel).put("ack", "r1"));
      JsonObject denied = ws.await(m -> "err".equals(m.getString("type")), 5);
      assertEquals("access_denied", denied.getString("body"), "the token alone may not register");

      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(2, r.bodyAsJsonObject().getJsonObject("outcomes").getInteger("subscribed"),
          r.bodyAsString());
      JsonObject notice = new JsonObject().put("type", "subscribed").put("channel", channel);
      assertEquals(notice, ws.await(m -> "subscribed".equals(m.getString("type")), 5));
      assertEquals(notice, sockJs.await(m -> "subscribed".equals(m.getString("type")), 5));

      publish(channel, "live");
      assertNotNull(ws.awaitRec(channel, 5), "no broadcast after the server-side subscription");
      assertNotNull(sockJs.awaitRec(channel, 5), "no broadcast on SockJS either");

      // subscribing again changes nothing
      r = api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertEquals(2, r.bodyAsJsonObject().getJsonObject("outcomes").getInteger("already"),
          r.bodyAsString());

      r = api.post(gw.port(), "/api/users/unsubscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(2, r.bodyAsJsonObject().getJsonObject("outcomes").getInteger("unsubscribed"));
      assertEquals(new JsonObject().put("type", "unsubscribed").put("channel", channel),
          ws.await(m -> "unsubscribed".equals(m.getString("type")), 5));
      publish(channel, "after");
      assertNull(ws.awaitRec(channel, 1), "a broadcast after the unsubscribe");

      // never a service, never outside the namespaces
      for (String address : List.of("echo", "elsewhere.x")) {
        r = api.post(gw.port(), "/api/users/subscribe",
            new JsonObject().put("user", alice).put("address", address));
        assertEquals(400, r.statusCode(), r.bodyAsString());
        assertEquals("not_a_channel", r.bodyAsJsonObject().getString("error"));
      }
    }
  }

  @Test
  void historyChannelSubscribedServerSideTellsThePosition() {
    String alice = fresh("alice");
    String channel = fresh("chat.pushed"); // chat.* keeps history by default
    publish(channel, "before");
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, newsOnly()))) {
      api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      JsonObject notice = ws.await(m -> "subscribed".equals(m.getString("type")), 5);
      assertNotNull(notice, "no subscribed notice");
      assertEquals("1", notice.getString("offset"), notice.encode());
      assertTrue(!notice.getString("epoch").isEmpty(), notice.encode());
      publish(channel, "next");
      JsonObject rec = ws.awaitRec(channel, 5);
      assertNotNull(rec, "no broadcast after the server-side subscription");
      assertEquals("2", rec.getJsonObject("headers").getString("gateway.offset"), rec.encode());
    }
  }

  @Test
  void aServerSideSubscriptionIsAPresenceMemberUntilUnsubscribed() {
    String alice = fresh("alice");
    String channel = fresh("chat.members"); // chat.* has presence by default
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, newsOnly()));
         BridgeClient asker = api.webSocket(gw.port(), api.token(fresh("bob"),
             new JsonObject().put("subscribe", new JsonArray().add("chat.*"))))) {
      api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertNotNull(ws.await(m -> "subscribed".equals(m.getString("type")), 5), "no subscribed notice");
      assertEquals(List.of(alice), presenceUsers(asker, channel), "the subscribed user is listed");
      api.post(gw.port(), "/api/users/unsubscribe",
          new JsonObject().put("user", alice).put("address", channel));
      assertNotNull(ws.await(m -> "unsubscribed".equals(m.getString("type")), 5), "no unsubscribed notice");
      assertEquals(List.of(), presenceUsers(asker, channel), "no longer listed once unsubscribed");
    }
  }

  /** The users a presence request lists for the channel (one page). */
  private static List<String> presenceUsers(BridgeClient asker, String channel) {
    asker.send(new JsonObject().put("type", "presence").put("address", channel)
        .put("ack", "m-" + System.nanoTime()));
    JsonObject page = asker.await(m -> "presence".equals(m.getString("type")), 5);
    assertNotNull(page, "no presence answer");
    List<String> users = new java.util.ArrayList<>();
    page.getJsonArray("members").forEach(m -> users.add(((JsonObject) m).getString("user")));
    return users;
  }

  @Test
  void tokenChannelsClaimSubscribesAtConnect() {
    String alice = fresh("alice");
    String channel = fresh("sport.claimed");
    String token = api.token(alice, newsOnly().put("channels", new JsonArray().add(channel)
        .add("echo")));
    try (BridgeClient ws = api.webSocket(gw.port(), token);
         SockJsSession sockJs = SockJsSession.xhrStreaming(gw.client(), gw.port())) {
      // SockJS authenticates with its first message: the claim is subscribed then
      sockJs.send(new JsonObject().put("type", "ping")
          .put("headers", new JsonObject().put("token", token)));
      // a service in the claim is refused, and said so (at once: before the channel's notice)
      JsonObject err = ws.await(m -> "err".equals(m.getString("type")), 5);
      assertNotNull(err, "no err for the claimed service");
      assertEquals("access_denied", err.getString("body"), err.encode());
      assertNotNull(ws.await(m -> "subscribed".equals(m.getString("type"))
          && channel.equals(m.getString("channel")), 5), "no subscribed notice on /ws");
      assertNotNull(sockJs.await(m -> "subscribed".equals(m.getString("type"))
          && channel.equals(m.getString("channel")), 5), "no subscribed notice on SockJS");
      publish(channel, "claimed");
      assertNotNull(ws.awaitRec(channel, 5), "the claimed channel delivers nothing on /ws");
      assertNotNull(sockJs.awaitRec(channel, 5), "the claimed channel delivers nothing on SockJS");
    }
  }

  @Test
  void serverSideSubscriptionsKeepTheChannelLimit() {
    String alice = fresh("alice");
    try (BridgeClient ws = api.webSocket(gw.port(), api.token(alice, newsOnly()))) {
      for (int i = 0; i < 4; i++) {
        ws.register("news.limit" + i); // limits.maxChannelsPerConnection = 4
      }
      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", alice).put("address", fresh("sport.over")));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(new JsonObject().put("too_many_channels", 1),
          r.bodyAsJsonObject().getJsonObject("outcomes"), r.bodyAsString());
    }
  }

  private static void publish(String channel, Object body) {
    HttpResponse<Buffer> r = api.post(gw.port(), "/api/publish",
        new JsonObject().put("address", channel).put("body", body));
    assertEquals(202, r.statusCode(), r.bodyAsString());
  }

  /** Polls the connections list of the user until it answers {@code status} (5 s at most). */
  private static int awaitStatus(String user, int status) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    int last;
    do {
      last = api.connections(gw.port(), user).statusCode();
    } while (last != status && System.nanoTime() < deadline);
    return last;
  }
}
