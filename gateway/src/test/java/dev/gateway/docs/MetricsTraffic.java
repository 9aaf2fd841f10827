package dev.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.docs.MetricFamilies.Family;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Just enough traffic for a node to export every metric family it has, with the JDK's own HTTP
 * and WebSocket clients over real sockets: one WebSocket that registers (with an ack), sends a
 * malformed message and closes; one HTTP publish; one handshake from a foreign origin and one
 * with a bad token (the node must check tokens: {@link #CONFIG}).
 */
final class MetricsTraffic {

  /** Node configuration: tokens checked when given, anonymous clients allowed. */
  static final JsonObject CONFIG = new JsonObject().put("auth", new JsonObject()
      .put("mode", "optional").put("hs256Secret", "docs-metrics-test-secret-of-32-chars!"));

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  MetricsTraffic(int port) {
    this.base = "127.0.0.1:" + port;
  }

  void drive() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = http.newWebSocketBuilder().subprotocols("v1.eventbus.gateway")
        .buildAsync(URI.create("ws://" + base + "/ws"), new Collector(received))
        .get(10, TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"register\",\"address\":\"chat.docs\",\"ack\":\"a1\"}", true).get(5, TimeUnit.SECONDS);
    assertEquals("ack", type(received.poll(10, TimeUnit.SECONDS)), "register ack");
    ws.sendText("not json", true).get(5, TimeUnit.SECONDS);
    assertEquals("err", type(received.poll(10, TimeUnit.SECONDS)), "err for a malformed message");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    assertEquals("closed 1000", received.poll(10, TimeUnit.SECONDS), "the gateway's close");

    HttpResponse<String> publish = http.send(HttpRequest.newBuilder(URI.create("http://" + base + "/api/publish"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"chat.docs\",\"body\":{\"n\":1}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, publish.statusCode(), "publish: " + publish.body());

    assertEquals(403, refusedHandshake(b -> b.header("Origin", "https://elsewhere.example"), "/ws"),
        "handshake from a foreign origin");
    assertEquals(401, refusedHandshake(b -> b, "/ws?token=not-a-jwt"), "handshake with a bad token");
  }

  /**
   * Scrapes {@code /metrics} until the node exports every family expected (families appear with
   * their first event, some a moment after the client saw it) or 10 s passed; returns the last
   * scrape's families.
   */
  Map<String, Family> exportedOnceSettled(Map<String, Family> expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "GET /metrics");
      Map<String, Family> exported = MetricFamilies.exported(r.body());
      if (exported.keySet().containsAll(expected.keySet()) || System.nanoTime() > deadline) {
        return exported;
      }
      Thread.sleep(100);
    }
  }

  private int refusedHandshake(Function<WebSocket.Builder, WebSocket.Builder> options, String path)
      throws Exception {
    try {
      WebSocket ws = options.apply(http.newWebSocketBuilder())
          .buildAsync(URI.create("ws://" + base + path), new Collector(new LinkedBlockingQueue<>()))
          .get(10, TimeUnit.SECONDS);
      ws.abort();
      throw new AssertionError("handshake to " + path + " was accepted");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
      assertTrue(cause instanceof WebSocketHandshakeException, "handshake failed otherwise: " + cause);
      return ((WebSocketHandshakeException) cause).getResponse().statusCode();
    }
  }

  private static String type(String message) {
    assertTrue(message != null, "no answer within 10 s");
    return new JsonObject(message).getString("type");
  }

  /** Queues whole text messages, and "closed CODE" when the peer closes. */
  private static final class Collector implements WebSocket.Listener {
    private final BlockingQueue<String> queue;
    private final StringBuilder partial = new StringBuilder();

    Collector(BlockingQueue<String> queue) {
      this.queue = queue;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        queue.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      queue.add("closed " + statusCode);
      return null;
    }
  }
}
