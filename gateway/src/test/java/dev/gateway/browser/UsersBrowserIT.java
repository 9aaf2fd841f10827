package dev.gateway.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.playwright.Page;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.UsersApiClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gateway-client.js and the users API in a real Chromium, on both transports: a message a backend
 * publishes to the user reaches a {@code receive} handler, a server-side subscription is announced
 * ({@code subscribed}) and its broadcasts reach a {@code receive} handler of the channel, a
 * disconnect (4503) stops the client instead of reconnecting, and a claimed history channel
 * recovers what the client missed while it was away.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UsersBrowserIT extends BrowserTabs {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("news.*")))
      .put("history", new JsonObject().put("channels", new JsonArray()
          .add("news.kept.* size=100 maxBytes=1000000 ttlSeconds=300")))
      .put("auth", UsersApiClient.auth()));

  @Test
  void personalMessagesServerSideSubscriptionsAndDisconnectOnBothTransports() {
    UsersApiClient api = new UsersApiClient(vertx, null);
    for (String transport : List.of("websocket", "sockjs")) {
      String user = GatewayExtension.fresh("ann");
      String channel = GatewayExtension.fresh("news.pushed");
      Page page = clientPage(gw.url(""));
      page.evaluate("o => start(o)", new JsonObject().put("transport", transport)
          .put("jwt", api.token(user)).getMap());
      page.evaluate("a => { window.personal = []; client.receive(a, m => personal.push(m.body)); }",
          "inbox");
      page.evaluate("a => { window.pushed = []; client.receive(a, m => pushed.push(m.body));"
          + " ['subscribed', 'unsubscribed'].forEach(n => client.on(n,"
          + " e => log.push(Object.assign({ event: n }, e)))); }", channel);
      if (transport.equals("sockjs")) {
        // SockJS authenticates with its first message: the user exists for the gateway then
        page.evaluate("() => client.send('nobody.home', {})");
        awaitListed(api, user);
      }

      HttpResponse<Buffer> r = api.post(gw.port(), "/api/users/publish", new JsonObject()
          .put("user", user).put("address", "inbox").put("body", new JsonObject().put("text", "hi")));
      assertEquals(202, r.statusCode(), transport + ": " + r.bodyAsString());
      page.evaluate("() => waitFor(() => personal.length > 0)");
      assertEquals("hi", page.evaluate("() => personal[0].text"), transport);

      r = api.post(gw.port(), "/api/users/subscribe",
          new JsonObject().put("user", user).put("address", channel));
      assertEquals(200, r.statusCode(), transport + ": " + r.bodyAsString());
      JsonObject announced = new JsonObject((String) page.evaluate(
          "() => waitFor(() => log.find(e => e.event === 'subscribed'))"));
      assertEquals(channel, announced.getString("channel"), transport);
      assertEquals(202, api.post(gw.port(), "/api/publish",
          new JsonObject().put("address", channel).put("body", "live")).statusCode());
      page.evaluate("() => waitFor(() => pushed.length > 0)");
      assertEquals("live", page.evaluate("() => pushed[0]"), transport);

      r = api.post(gw.port(), "/api/users/disconnect", new JsonObject().put("user", user));
      assertEquals(200, r.statusCode(), transport + ": " + r.bodyAsString());
      JsonObject closed = new JsonObject((String) page.evaluate(
          "() => waitFor(() => log.find(e => e.event === 'close'))"));
      assertEquals(4503, closed.getInteger("code"), transport + ": " + closed.encode());
      assertEquals(false, closed.getBoolean("reconnect"), transport + ": " + closed.encode());
      assertEquals("stopped", page.evaluate("() => client.state"), transport);
    }
    assertEquals(List.of(), pageErrors);
  }

  @Test
  void aClaimedHistoryChannelRecoversWhatTheClientMissedWhileAwayOnBothTransports() {
    UsersApiClient api = new UsersApiClient(vertx, null);
    for (String transport : List.of("websocket", "sockjs")) {
      String channel = GatewayExtension.fresh("news.kept.claimed");
      String token = api.token(GatewayExtension.fresh("ann"), new JsonObject()
          .put("channels", new JsonArray().add(channel)));
      Page page = clientPage(gw.url(""));
      page.evaluate("() => { window.pushed = []; }");
      page.evaluate("o => start(o)", new JsonObject().put("transport", transport)
          .put("jwt", token).getMap());
      page.evaluate("a => { client.receive(a, m => pushed.push({ n: m.body.n, replayed: m.replayed }));"
          + " client.on('subscribed', e => log.push(Object.assign({ event: 'subscribed' }, e))); }",
          channel);
      // the claim is subscribed as the connection opens: the client holds the channel's position
      page.evaluate("a => waitFor(() => client.position(a))", channel);
      publish(api, channel, 1, 2);
      page.evaluate("() => waitFor(() => pushed.length === 2)");

      page.evaluate("() => { client.close(); log.length = 0; }");
      publish(api, channel, 3, 4, 5); // missed while away
      page.evaluate("() => client.connect()");
      JsonObject recovered = new JsonObject((String) page.evaluate(
          "() => waitFor(() => log.find(e => e.event === 'recovered'))"));
      assertEquals(3, recovered.getInteger("replayed"), transport + ": " + recovered.encode());
      JsonObject subscribed = new JsonObject((String) page.evaluate(
          "() => waitFor(() => log.find(e => e.event === 'subscribed'))"));
      assertEquals(true, subscribed.getBoolean("recovered"), transport + ": " + subscribed.encode());
      publish(api, channel, 6);
      page.evaluate("() => waitFor(() => pushed.length >= 6)");
      assertEquals("[{\"n\":1,\"replayed\":false},{\"n\":2,\"replayed\":false},"
          + "{\"n\":3,\"replayed\":true},{\"n\":4,\"replayed\":true},"
          + "{\"n\":5,\"replayed\":true},{\"n\":6,\"replayed\":false}]",
          page.evaluate("() => JSON.stringify(pushed)"), transport);
      assertEquals(List.of(), page.evaluate("() => log.filter(e => e.event === 'lost')"), transport);
    }
    assertEquals(List.of(), pageErrors);
  }

  private static void publish(UsersApiClient api, String channel, int... ns) {
    for (int n : ns) {
      assertEquals(202, api.post(gw.port(), "/api/publish", new JsonObject().put("address", channel)
          .put("body", new JsonObject().put("n", n))).statusCode());
    }
  }

  /** Waits until the gateway lists a connection of the user. */
  private static void awaitListed(UsersApiClient api, String user) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (api.connections(gw.port(), user).statusCode() != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the SockJS connection of " + user + " was never listed");
      }
    }
  }
}
