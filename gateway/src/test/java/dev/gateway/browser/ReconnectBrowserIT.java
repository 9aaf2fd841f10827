package dev.gateway.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * gateway-client.js's reconnect rule and gap detection in a real Chromium against real gateway
 * nodes: a revoked token's close (4501) stops the client for good (with the token in the
 * {@code token.<jwt>} subprotocol, in {@code ?token=}, or over SockJS in every message's
 * headers: the 4501 shows the connection held that token); a draining node's close
 * (1001) makes it reconnect at once, to the node the relay now points at, while any other drop
 * backs off; and broadcasts the gateway drops for a connection that stopped reading (the relay
 * pauses it) are reported as gaps whose ranges are exactly the offsets that never arrived.
 * The page's {@code Math.random} is pinned where a test compares delays, so they are exact.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReconnectBrowserIT extends BrowserTabs {

  static final String SECRET = "reconnect-tests-secret-0123456789abcdef-012345";
  static final String WS_OPENED = "gateway_connections_opened_total{transport=\"websocket\"}";
  static final String WS_DROPPED = "gateway_messages_dropped_total{transport=\"websocket\"}";

  /** Anonymous clients as by default, tokens when given; a small outbound queue that never times out. */
  static final JsonObject CONFIG = new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("auth", new JsonObject().put("mode", "optional").put("hs256Secret", SECRET))
      .put("server", new JsonObject().put("sendBufferBytes", 8192).put("drainWindowMs", 100))
      .put("limits", new JsonObject().put("outboundQueueBytes", 16 * 1024)
          .put("slowConsumerTimeoutMs", 60_000).put("slowConsumerMaxDrops", 1_000_000));

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(CONFIG);

  /** The token goes in the subprotocol, the query or (SockJS) every message's headers. */
  @ParameterizedTest
  @CsvSource({"websocket, subprotocol, websocket", "websocket, query, websocket",
      "sockjs, headers, sockjs-websocket"})
  void aRevokedTokenStopsTheClient(String transport, String tokenIn, String metricTransport)
      throws Exception {
    String jti = "t-" + GatewayExtension.fresh("revoked");
    long exp = System.currentTimeMillis() / 1000 + 600;
    String opened = "gateway_connections_opened_total{transport=\"" + metricTransport + "\"}";
    Page page = clientPage(gw.url(""));
    double before = gw.metric(opened); // 0 until the transport's first connection
    page.evaluate("o => start(o)", new JsonObject().put("transport", transport).put("tokenIn", tokenIn)
        .put("backoffBaseMs", 50).put("backoffMaxMs", 100)
        .put("jwt", jwt(new JsonObject().put("sub", "ann").put("jti", jti).put("exp", exp)
            .put("subscribe", new JsonArray().add("chat.*")))).getMap());
    page.evaluate("a => subscribe(a)", GatewayExtension.fresh("chat.revoked"));
    assertEquals(before + 1, metric(gw.node(), opened), "one " + metricTransport + " connection");

    assertEquals(202, gw.post("/api/revoke", new JsonObject().put("jti", jti).put("exp", exp)).statusCode());

    JsonObject close = waitFor(page, "log.find(e => e.event === 'close')");
    assertEquals(4501, close.getInteger("code"), "the token's connection was closed as revoked: "
        + close.encode());
    assertEquals(false, close.getBoolean("reconnect"), close.encode());
    // a backing-off client would have tried about fifteen times by now (delays under 100 ms)
    Thread.sleep(1_500);
    assertEquals("stopped", page.evaluate("() => client.state"));
    assertEquals(0, page.evaluate("() => log.filter(e => e.event === 'open').length - 1"),
        "no open after the first: " + page.evaluate("() => JSON.stringify(log)"));
    assertEquals(before + 1, metric(gw.node(), opened), "no new connection reached the gateway");
    assertEquals(List.of(), pageErrors);
  }

  /** A node that requires tokens: a SockJS client that subscribes to nothing still sends its token at once. */
  @Test
  void overSockJsTheTokenIsSentAtOnce() throws Exception {
    TestGateway strict = gw.start(CONFIG.copy().put("auth", CONFIG.getJsonObject("auth").copy()
        .put("mode", "required").put("deadlineMs", 1_000))
        .put("demo", new JsonObject().put("enabled", true).put("clockIntervalMs", 60_000)));
    Page page = clientPage(strict.httpUrl(""));
    long exp = System.currentTimeMillis() / 1000 + 600;
    page.evaluate("jwt => start({ transport: 'sockjs', jwt: jwt })", jwt(new JsonObject()
        .put("sub", "ann").put("exp", exp).put("send", new JsonArray().add("echo"))));
    Thread.sleep(2_000); // twice the deadline
    assertEquals("[]", page.evaluate("() => JSON.stringify(log.filter(e => e.event === 'close'))"),
        "the session was not closed for want of a token");
    JsonObject reply = new JsonObject((String) page.evaluate(
        "() => client.request('echo', { n: 1 }).then(r => JSON.stringify(r.body))"));
    assertEquals(1, reply.getInteger("n"));
    assertEquals(List.of(), pageErrors);
  }

  @Test
  void aDrainingNodeIsLeftAtOnceWhileOtherDropsBackOff() {
    TestGateway x = gw.start(CONFIG);
    TestGateway y = gw.start(CONFIG);
    relay = TcpRelay.start(vertx, x.port);
    Page page = clientPage(relay.url(""));
    // every random draw is 0.99: the drain delay is 0.99 x 250 ms, a backoff 0.99 x 60 s
    page.evaluate("() => { Math.random = () => 0.99;"
        + " return start({ transport: 'websocket', backoffBaseMs: 60000, backoffMaxMs: 60000 }); }");
    String room = GatewayExtension.fresh("chat.drain");
    page.evaluate("a => subscribe(a)", room);
    double openedOnY = y.metric(WS_OPENED); // 0 until its first connection: exported from then on

    relay.target(y.port);
    x.main.drain().await();

    JsonObject close = waitFor(page, "log.find(e => e.event === 'close')");
    assertEquals(1001, close.getInteger("code"), close.encode());
    assertEquals(true, close.getBoolean("reconnect"), close.encode());
    assertEquals(247, close.getInteger("delay"), "at once, within the drain jitter: " + close.encode());
    JsonObject reopened = waitFor(page, "log.find(e => e.event === 'open' && e.reconnected)");
    double after = reopened.getDouble("at") - close.getDouble("at");
    assertTrue(after < 2_000, "reopened " + after + " ms after the 1001");
    assertEquals(openedOnY + 1, metric(y, WS_OPENED), "the client is now on node Y");
    // registered again there: a publication on Y reaches it
    page.evaluate("a => client.publish(a, { text: 'on Y' }).then(p => JSON.stringify(p))", room);
    waitFor(page, "received.find(m => m.body.text === 'on Y')");

    relay.cut(); // a drop that is not a drain: back off
    JsonObject dropped = waitFor(page, "log.filter(e => e.event === 'close')[1]");
    assertEquals(true, dropped.getBoolean("reconnect"), dropped.encode());
    assertEquals(59_400, dropped.getInteger("delay"), "a full backoff window: " + dropped.encode());
    page.evaluate("() => client.close()");
    assertEquals(List.of(), pageErrors);
  }

  @Test
  void broadcastsDroppedForASlowConnectionAreReportedAsGaps() throws Exception {
    relay = TcpRelay.start(vertx, gw.port());
    Page page = clientPage(relay.url(""));
    page.evaluate("() => start({ transport: 'websocket' })");
    String room = GatewayExtension.fresh("chat.gaps");
    page.evaluate("a => subscribe(a)", room);
    double dropped = metric(gw.node(), WS_DROPPED);

    relay.pauseDownstream();
    int total = 300;
    String filler = "x".repeat(4_000);
    for (int i = 1; i <= total; i++) {
      assertEquals(202, gw.publish(room, new JsonObject().put("n", i).put("filler", filler)), "publication " + i);
    }
    double droppedNow = gw.node().awaitMetric(WS_DROPPED, v -> v > dropped, 10);
    assertTrue(droppedNow > dropped, "the gateway dropped broadcasts for the paused connection");
    relay.resumeDownstream();
    // the queue drains once the relay reads again; until then a publication may be dropped too,
    // so markers follow until one arrives (nothing is published after it)
    int marker = total;
    boolean arrived = false;
    while (!arrived && marker < total + 50) {
      marker++;
      assertEquals(202, gw.publish(room, new JsonObject().put("n", marker)), "marker " + marker);
      arrived = (Boolean) page.evaluate("n => new Promise(resolve => { const until = Date.now() + 500;"
          + " const poll = () => received.some(m => m.body.n === n) ? resolve(true)"
          + "   : Date.now() > until ? resolve(false) : setTimeout(poll, 20); poll(); })", marker);
    }
    assertTrue(arrived, "no marker arrived after the relay resumed: dropped "
        + (metric(gw.node(), WS_DROPPED) - dropped) + ", received "
        + page.evaluate("() => received.length") + ", relay connections " + relay.connections());
    int published = marker;

    List<Long> offsets = new ArrayList<>();
    for (Object o : new JsonArray((String) page.evaluate("() => JSON.stringify(received.map(m => m.offset))"))) {
      offsets.add(Long.parseLong((String) o));
    }
    JsonArray lost = new JsonArray((String) page.evaluate("() => JSON.stringify(log.filter(e => e.event === 'lost'))"));
    TreeSet<Long> covered = new TreeSet<>(offsets);
    long gapped = 0;
    for (Object o : lost) {
      JsonObject gap = (JsonObject) o;
      assertEquals("gap", gap.getString("reason"), gap.encode());
      long from = Long.parseLong(gap.getString("from"));
      long to = Long.parseLong(gap.getString("to"));
      for (long n = from; n <= to; n++) {
        assertTrue(covered.add(n), "offset " + n + " both received and reported lost: " + gap.encode());
      }
      gapped += to - from + 1;
    }
    assertFalse(lost.isEmpty(), "the gateway dropped " + (droppedNow - dropped) + " broadcasts: a gap is reported");
    for (int i = 1; i < offsets.size(); i++) {
      assertTrue(offsets.get(i) > offsets.get(i - 1), "offsets in order: " + offsets);
    }
    assertEquals(published, covered.size(), "every offset received or reported lost");
    assertEquals(1L, covered.first());
    assertEquals((long) published, covered.last());
    assertEquals(metric(gw.node(), WS_DROPPED) - dropped, (double) gapped,
        "the offsets reported lost are the broadcasts the gateway dropped");
    assertEquals(List.of(), pageErrors);
  }

  /** A sample of the node's metrics; fails when the node does not export it. */
  private static double metric(TestGateway node, String sample) {
    String scrape = node.scrape();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    throw new AssertionError("node " + node.name + " exports no " + sample);
  }

  /** Evaluates {@code waitFor(() => EXPR)} in the page: the first truthy value, as JSON. */
  private static JsonObject waitFor(Page page, String expression) {
    return new JsonObject((String) page.evaluate("() => waitFor(() => " + expression + ")"));
  }

  /** An HS256 JWT over {@link #SECRET}. */
  private static String jwt(JsonObject claims) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String head = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String body = b64.encodeToString(claims.put("iat", System.currentTimeMillis() / 1000)
        .encode().getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return head + "." + body + "." + b64.encodeToString(
        mac.doFinal((head + "." + body).getBytes(StandardCharsets.UTF_8)));
  }
}
