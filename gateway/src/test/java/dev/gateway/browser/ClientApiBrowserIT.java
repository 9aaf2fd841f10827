package dev.gateway.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.playwright.Page;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gateway-client.js's request/reply, history and idempotent publish in a real Chromium against a
 * real node (with its demo echo service): replies and failures of requests, the newest messages
 * of a channel and the refusal of a channel without history, and a publish whose ack was lost
 * with the connection, sent again with the same key after the reconnect and delivered once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientApiBrowserIT extends BrowserTabs {

  static final String DUPLICATES = "gateway_history_duplicates_total";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject());

  @Test
  void requestsGetRepliesAndFailures() {
    Page page = clientPage(gw.url(""));
    page.evaluate("() => start({ transport: 'websocket' })");

    JsonObject reply = json(page, "() => client.request('echo', { q: 'héllo ✓' }, { headers: { lang: 'fr' } })"
        + ".then(r => JSON.stringify(r))");
    assertEquals(new JsonObject().put("q", "héllo ✓"), reply.getJsonObject("body"));
    assertEquals("fr", reply.getJsonObject("headers").getString("lang"), reply.encode());

    // not a service this client may send to (by default only the demo services are)
    JsonObject failed = json(page, "() => client.request('nobody.home', {}).then(r => 'replied',"
        + " e => JSON.stringify({ failureType: e.failureType, message: e.message }))");
    assertEquals("ACCESS_DENIED", failed.getString("failureType"), failed.encode());
    assertEquals("open", page.evaluate("() => client.state"), "a failed request leaves the connection open");
    assertEquals(List.of(), pageErrors);
  }

  @Test
  void historyAnswersTheNewestMessagesAndRefusesAChannelWithout() {
    String room = GatewayExtension.fresh("chat.history");
    for (int i = 1; i <= 5; i++) {
      assertEquals(202, gw.publish(room, new JsonObject().put("n", i)));
    }
    Page page = clientPage(gw.url(""));
    page.evaluate("() => start({ transport: 'sockjs' })");

    JsonObject h = json(page, "a => client.history(a, 3).then(h => JSON.stringify(h))", room);
    assertEquals(room, h.getString("address"));
    assertEquals("5", h.getString("offset"), h.encode());
    JsonArray messages = h.getJsonArray("messages");
    assertEquals(3, messages.size(), h.encode());
    for (int i = 0; i < 3; i++) {
      JsonObject m = messages.getJsonObject(i);
      assertEquals(String.valueOf(i + 3), m.getString("offset"), h.encode());
      assertEquals(i + 3, m.getJsonObject("body").getInteger("n"), h.encode());
    }

    JsonObject refused = json(page, "() => client.history('clock', 3).then(h => 'answered',"
        + " e => JSON.stringify({ code: e.code }))");
    assertEquals("no_history", refused.getString("code"), refused.encode());
    assertEquals(List.of(), pageErrors);
  }

  @Test
  void anIdempotentPublishWhoseAckWasLostIsSentAgainAndDeliveredOnce() {
    String room = GatewayExtension.fresh("chat.idempotent");
    relay = TcpRelay.start(vertx, gw.port());
    Page reader = clientPage(gw.url(""));
    reader.evaluate("() => start({ transport: 'websocket' })");
    reader.evaluate("a => subscribe(a)", room);
    Page writer = clientPage(relay.url(""));
    writer.evaluate("() => start({ transport: 'websocket', backoffBaseMs: 200, backoffMaxMs: 400 })");
    double duplicates = gw.metric(DUPLICATES);

    // the publish reaches the gateway, its ack does not reach the writer: the relay holds it
    relay.pauseDownstream();
    writer.evaluate("a => { window.acked = null; client.publish(a, { text: 'once' }, { idempotent: true })"
        + ".then(p => { window.acked = p; }); }", room);
    JsonObject delivered = json(reader, "() => waitFor(() => received.find(m => m.body.text === 'once'))");
    assertEquals(null, writer.evaluate("() => window.acked"), "no ack through the paused relay");

    relay.cut();
    relay.restart();
    JsonObject acked = json(writer, "() => waitFor(() => window.acked)");
    assertEquals(delivered.getString("offset"), acked.getString("offset"),
        "the repeat is acked with the first publication's position: " + acked.encode());
    assertEquals(duplicates + 1, gw.awaitMetric(DUPLICATES, v -> v >= duplicates + 1, 5),
        "the gateway saw the key again");
    assertEquals(202, gw.publish(room, new JsonObject().put("text", "after")));
    json(reader, "() => waitFor(() => received.find(m => m.body.text === 'after'))");
    assertEquals(1, reader.evaluate("() => received.filter(m => m.body.text === 'once').length"),
        "delivered once");
    assertEquals(2, writer.evaluate("() => log.filter(e => e.event === 'open').length"),
        "the writer reconnected once");
    assertEquals(List.of(), pageErrors);
  }

  private static JsonObject json(Page page, String function) {
    return new JsonObject((String) page.evaluate(function));
  }

  private static JsonObject json(Page page, String function, Object arg) {
    return new JsonObject((String) page.evaluate(function, arg));
  }
}
