package dev.gateway.cluster;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.HttpExchange;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.ManualSession;
import dev.gateway.support.sockjs.StreamingSession;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SockJS without sticky sessions: one session's HTTP requests land on either of two clustered
 * nodes; the node that does not own the session forwards them to the owner over the event bus.
 * The client must not notice: one open frame, no close frame, every message delivered, the
 * same response headers as from the owner.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SockJsForwardingIT {

  static final String FORWARDED = "gateway_sockjs_forwarded_total";

  /** A runs the demo services (echo; the clock nearly silent), B none. */
  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(
      new JsonObject().put("demo", new JsonObject().put("enabled", true).put("clockIntervalMs", 600_000)),
      new JsonObject().put("demo", new JsonObject().put("enabled", false)));

  static TestGateway a;
  static TestGateway b;
  static Vertx client;
  /** A new connection per request: SockJS closes polling connections (see ManualSession). */
  static HttpClientAgent http;
  static HttpClientAgent api;

  @BeforeAll
  static void nodes() {
    a = cluster.node(0);
    b = cluster.node(1);
    client = cluster.client();
    http = cluster.http();
    api = client.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
  }

  static JsonObject register(String address, String ack) {
    return new JsonObject().put("type", "register").put("address", address).put("ack", ack);
  }

  static JsonObject echo(Object body, String replyAddress) {
    return new JsonObject().put("type", "send").put("address", "echo").put("body", body)
        .put("replyAddress", replyAddress);
  }

  static Predicate<JsonObject> ack(String id) {
    return m -> "ack".equals(m.getString("type")) && id.equals(m.getString("ack"));
  }

  static Predicate<JsonObject> rec(String address, String key, Object value) {
    return m -> "rec".equals(m.getString("type")) && address.equals(m.getString("address"))
        && m.getJsonObject("body") != null && value.equals(m.getJsonObject("body").getValue(key));
  }

  @Test
  void aPollingSessionAlternatingBetweenNodesWorksAsIfOnOneNode() {
    double forwardedA = a.metric(FORWARDED);
    double forwardedB = b.metric(FORWARDED);
    String channel = fresh("chat.alt");
    ManualSession s = new ManualSession(http);
    assertEquals("o", s.poll(a), "open on A");
    s.send(b, register(channel, "reg"));
    s.await(b, ack("reg"), "the register ack (sent via B, polled via B)");
    for (int round = 0; round < 30; round++) {
      TestGateway x = round % 2 == 0 ? a : b;
      TestGateway y = x == a ? b : a;
      assertEquals(202, x.apiPublish(api, channel, new JsonObject().put("n", round)));
      s.await(x, rec(channel, "n", round), "round " + round + ": published on " + x.name);
      assertEquals(202, y.apiPublish(api, channel, new JsonObject().put("m", round)));
      s.await(y, rec(channel, "m", round), "round " + round + ": published on " + y.name);
      String reply = "reply-" + round;
      s.send(y, echo(new JsonObject().put("echo", round), reply));
      JsonObject r = s.await(x, m -> reply.equals(m.getString("address")),
          "round " + round + ": echo reply (sent via " + y.name + ", polled via " + x.name + ")");
      assertEquals("rec", r.getString("type"), "echo failed: " + r);
      assertEquals(round, r.getJsonObject("body").getInteger("echo"));
    }
    assertEquals(1, s.opens(), "open frames: " + s.frames);
    assertTrue(s.inbox.isEmpty(), "unexpected messages: " + s.inbox);
    // every request that reached B was forwarded to A (the owner); A forwarded none
    assertEquals(forwardedB + s.requests.get("B"), b.metric(FORWARDED), "forwarded by B");
    assertEquals(forwardedA, a.metric(FORWARDED), "forwarded by A (the owner)");
  }

  @Test
  void xhrStreamingOnTheOtherNodeReceivesMessagesPublishedAnywhere() {
    double forwardedB = b.metric(FORWARDED);
    String channel = fresh("chat.stream");
    ManualSession s = new ManualSession(http);
    assertEquals("o", s.poll(a), "session created on A");
    StreamingSession stream = s.stream(client, b);
    try (BridgeClient wsOnB = BridgeClient.connect(client, b.port)) {
      s.send(a, register(channel, "st"));
      streamAwait(stream, ack("st"), "the register ack (sent via A)");
      assertEquals(200, stream.lastStatus(), "xhr_streaming via B");
      assertEquals(202, a.apiPublish(api, channel, new JsonObject().put("k", "api-A")));
      streamAwait(stream, rec(channel, "k", "api-A"), "a publish via the API on A");
      assertEquals(202, b.apiPublish(api, channel, new JsonObject().put("k", "api-B")));
      streamAwait(stream, rec(channel, "k", "api-B"), "a publish via the API on B");
      wsOnB.publish(channel, new JsonObject().put("k", "ws-B"));
      streamAwait(stream, rec(channel, "k", "ws-B"), "a publish by a WebSocket client on B");
      a.vertx.eventBus().publish(channel, new JsonObject().put("k", "backend-A"));
      streamAwait(stream, rec(channel, "k", "backend-A"), "a publish on A's event bus");
      b.vertx.eventBus().publish(channel, new JsonObject().put("k", "backend-B"));
      streamAwait(stream, rec(channel, "k", "backend-B"), "a publish on B's event bus");
      s.send(b, echo(new JsonObject().put("k", "echo"), "st-reply"));
      JsonObject r = streamAwait(stream, m -> "st-reply".equals(m.getString("address")), "the echo reply");
      assertEquals("rec", r.getString("type"), "echo failed: " + r);
    } finally {
      stream.close();
    }
    assertEquals(1, s.opens(), "open frames: " + s.frames);
    assertEquals(forwardedB + 2, b.metric(FORWARDED), "B forwarded the stream and one xhr_send");
  }

  /**
   * The next message on the stream that matches (others are skipped), within 15 s; the stream
   * must stay healthy meanwhile: no transport failure, no second open frame, no close frame.
   */
  static JsonObject streamAwait(StreamingSession stream, Predicate<JsonObject> match, String what) {
    JsonObject m = stream.await(match, 15);
    assertNull(stream.failure(), "stream: " + what + ": frames " + stream.frames());
    assertNull(stream.closeFrame(), "stream: close frame before " + what + ": " + stream.frames());
    assertNotNull(m, "stream: never received " + what + "; frames " + stream.frames());
    return m;
  }

  /** Headers a response must carry exactly once, forwarded or not. */
  static final List<String> SINGLE_HEADERS = List.of("Access-Control-Allow-Origin",
      "Access-Control-Allow-Credentials", "X-Frame-Options", "Content-Security-Policy",
      "X-Content-Type-Options", "Content-Type", "Cache-Control");

  static void assertHeadersOnce(HttpExchange.Reply r, String origin, String what) {
    for (String name : SINGLE_HEADERS) {
      assertEquals(1, r.headers().getAll(name).size(),
          what + ": header " + name + " values " + r.headers().getAll(name));
    }
    assertEquals(origin, r.headers().get("Access-Control-Allow-Origin"), what);
  }

  @Test
  void forwardedResponsesCarryEachHeaderOnceLikeTheOwnersOwn() {
    ManualSession s = new ManualSession(http);
    String originA = "http://127.0.0.1:" + a.port;
    String originB = "http://127.0.0.1:" + b.port;
    MultiMap fromA = MultiMap.caseInsensitiveMultiMap().add("Origin", originA);
    MultiMap fromB = MultiMap.caseInsensitiveMultiMap().add("Origin", originB);
    String send = new JsonArray().add(register(fresh("chat.h"), "h").encode()).encode();
    HttpExchange.Reply open = s.post(a, s.path + "/xhr", null, fromA);
    assertEquals("o\n", open.body());
    assertHeadersOnce(open, originA, "poll answered by the owner A");
    HttpExchange.Reply local = s.post(a, s.path + "/xhr_send", send, fromA);
    assertEquals(204, local.status());
    assertHeadersOnce(local, originA, "xhr_send answered by the owner A");
    HttpExchange.Reply forwarded = s.post(b, s.path + "/xhr_send", send, fromB);
    assertEquals(204, forwarded.status());
    assertHeadersOnce(forwarded, originB, "xhr_send via B, forwarded to A");
    HttpExchange.Reply poll = s.post(b, s.path + "/xhr", null, fromB);
    assertTrue(poll.body().startsWith("a["), poll.body());
    assertHeadersOnce(poll, originB, "poll via B, forwarded to A");
  }

  @Test
  void aNodeThatOnlyForwardsASessionHoldsNoSessionForIt() {
    double sessionsA = a.metric("gateway_sockjs_sessions");
    double sessionsB = b.metric("gateway_sockjs_sessions");
    ManualSession s = new ManualSession(http);
    assertEquals("o", s.poll(a));
    s.send(a, register(fresh("chat.mark"), "m"));
    s.await(b, ack("m"), "the ack, polled via B");
    // the session lives on its owner only: B forwarded its poll and keeps nothing of it
    assertEquals(sessionsA + 1, a.metric("gateway_sockjs_sessions"), "sessions on the owner A");
    assertEquals(sessionsB, b.metric("gateway_sockjs_sessions"), "sessions on B, which only forwarded");
  }
}
