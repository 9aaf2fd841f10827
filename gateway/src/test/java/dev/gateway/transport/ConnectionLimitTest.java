package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.Future;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code limits.maxConnections}: a node at its limit refuses new connections (503, Retry-After,
 * JSON {@code connection_limit}) on every transport, accepts again once one closes, and never
 * refuses requests of an existing SockJS session.
 */
class ConnectionLimitTest {

  private static final String LIMIT = "gateway_handshakes_rejected_total{reason=\"connection_limit\"}";

  /** A node of its own for each test (instance field): every test starts with no connection. */
  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("limits", new JsonObject().put("maxConnections", 5)));
  final List<BridgeClient> clients = new ArrayList<>();

  /** Open connections of all transports, from the gateway_connections gauges. */
  private double open() {
    double sum = 0;
    for (String line : gw.scrape().split("\n")) {
      if (line.startsWith("gateway_connections{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private void awaitOpen(double expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (open() != expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(expected, open(), 0.0, "open connections");
  }

  private UpgradeRejectedException refusedUpgrade(String uri) {
    WebSocketClient wsc = gw.client().createWebSocketClient();
    try {
      wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
          .setURI(uri)).await(10, TimeUnit.SECONDS);
      throw new AssertionError("connected to " + uri + " beyond the limit");
    } catch (UpgradeRejectedException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("handshake failed without an HTTP answer: " + e, e);
    } finally {
      wsc.close();
    }
  }

  /** A client (connection pool) per request: SockJS closes the connection after a poll. */
  private static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http().send(HttpRequest.newBuilder(URI.create(gw.url(path)))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "text/plain;charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertLimitAnswer(int status, String retryAfter, String body) {
    assertEquals(503, status, body);
    assertNotNull(retryAfter, "Retry-After missing");
    assertTrue(Integer.parseInt(retryAfter.trim()) > 0, "Retry-After " + retryAfter);
    assertEquals("connection_limit", new JsonObject(body).getString("error"), body);
  }

  @Test
  void sixthConnectionRefusedOnEveryTransportUntilOneCloses() throws Exception {
    for (int i = 0; i < 5; i++) {
      clients.add(gw.connect());
    }
    awaitOpen(5);
    double rejected = gw.metric(LIMIT);

    UpgradeRejectedException ws = refusedUpgrade("/ws");
    assertLimitAnswer(ws.getStatus(), ws.getHeaders().get("Retry-After"), ws.getBody().toString());

    HttpResponse<String> xhr = post("/eventbus/1/newsession/xhr", "");
    assertLimitAnswer(xhr.statusCode(), xhr.headers().firstValue("Retry-After").orElse(null), xhr.body());
    HttpResponse<String> streaming = post("/eventbus/1/newsession2/xhr_streaming", "");
    assertLimitAnswer(streaming.statusCode(),
        streaming.headers().firstValue("Retry-After").orElse(null), streaming.body());
    UpgradeRejectedException raw = refusedUpgrade("/eventbus/websocket");
    assertEquals(503, raw.getStatus());
    UpgradeRejectedException framed = refusedUpgrade("/eventbus/1/newsession3/websocket");
    assertEquals(503, framed.getStatus());
    assertEquals(rejected + 5, gw.metric(LIMIT), 0.0, "connection_limit counter");

    // requests that open nothing are still served
    HttpResponse<String> info = http().send(HttpRequest.newBuilder(
        URI.create(gw.url("/eventbus/info"))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, info.statusCode());
    assertEquals(5, open(), 0.0, "refused attempts opened nothing");

    clients.remove(0).close();
    awaitOpen(4);
    BridgeClient again = gw.connect();
    clients.add(again);
    again.register("chat.limit");
    awaitOpen(5);
    assertEquals(503, refusedUpgrade("/ws").getStatus());
  }

  /**
   * Handshakes arriving together on both event loops: the limit must hold, not only for
   * handshakes that arrive one after the other. A few rounds, since it is a race.
   */
  @Test
  void concurrentHandshakesDoNotOvershootTheLimit() throws Exception {
    int attempts = 30;
    WebSocketClient wsc = gw.client().createWebSocketClient();
    try {
      for (int round = 1; round <= 10; round++) {
        List<Future<WebSocket>> all = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
          all.add(wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
              .setPort(gw.port()).setURI("/ws")));
        }
        Future.join(all).transform(ar -> Future.succeededFuture()).await(20, TimeUnit.SECONDS);
        int accepted = 0;
        int refused = 0;
        for (Future<WebSocket> f : all) {
          if (f.succeeded()) {
            accepted++;
          } else if (f.cause() instanceof UpgradeRejectedException e && e.getStatus() == 503) {
            refused++;
          }
        }
        assertEquals(attempts, accepted + refused, "every attempt accepted or refused with 503");
        awaitOpen(accepted);
        assertTrue(accepted <= 5, "round " + round + ": " + accepted
            + " connections open with limits.maxConnections 5");
        assertEquals(5, accepted, "the limit is reached");
        for (Future<WebSocket> f : all) {
          if (f.succeeded()) {
            f.result().close().await(5, TimeUnit.SECONDS);
          }
        }
        awaitOpen(0);
      }
    } finally {
      wsc.close();
    }
  }

  @Test
  void existingPollingSessionKeepsWorkingAtTheLimit() throws Exception {
    for (int i = 0; i < 4; i++) {
      clients.add(gw.connect());
    }
    HttpResponse<String> open = post("/eventbus/1/pollsess/xhr", "");
    assertEquals(200, open.statusCode(), open.body());
    assertEquals("o\n", open.body());
    awaitOpen(5);
    assertEquals(1, gw.metric("gateway_connections{transport=\"xhr-polling\"}"), 0.0);

    assertEquals(503, refusedUpgrade("/ws").getStatus(), "the node is at its limit");
    assertEquals(503, post("/eventbus/1/othersess/xhr", "").statusCode(), "new session refused");

    String register = new JsonObject().put("type", "register").put("address", "chat.poll")
        .put("ack", "p1").encode();
    HttpResponse<String> send = post("/eventbus/1/pollsess/xhr_send",
        new JsonArray().add(register).encode());
    assertEquals(204, send.statusCode(), send.body());
    HttpResponse<String> poll = post("/eventbus/1/pollsess/xhr", "");
    assertEquals(200, poll.statusCode(), "the existing session's poll was refused: " + poll.body());
    assertTrue(poll.body().startsWith("a["), poll.body());
    JsonObject ack = new JsonObject(new JsonArray(poll.body().substring(1).trim()).getString(0));
    assertEquals("p1", ack.getString("ack"), poll.body());
    assertEquals(5, open(), 0.0);
  }
}
