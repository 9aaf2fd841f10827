package dev.gateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paced drain (what SIGTERM runs): readiness fails at once, new connections are refused, and
 * open ones are closed with 1001 spread over the drain window, not all at once.
 */
class DrainTest {

  private static final int CLIENTS = 200;
  private static final long WINDOW_MS = 2_000;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("drainWindowMs", WINDOW_MS)));

  @Test
  void closesAreSpreadOverTheWindowWithReconnectCode() throws Exception {
    TestGateway gateway = gw.node();
    WebSocketClient ws = gw.client().createWebSocketClient(
        new io.vertx.core.http.WebSocketClientOptions().setMaxConnections(CLIENTS + 10));
    ConcurrentLinkedQueue<long[]> closes = new ConcurrentLinkedQueue<>(); // {nanos, code}
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(gateway.port).setURI("/ws");
    for (int i = 0; i < CLIENTS; i++) {
      ws.connect(options).map(s -> s.closeHandler(v -> closes.add(new long[] {System.nanoTime(),
          s.closeStatusCode() == null ? -1 : s.closeStatusCode()}))).await(10, TimeUnit.SECONDS);
    }
    long start = System.nanoTime();
    gateway.main.drain();

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
        URI.create(gateway.httpUrl("/health/ready"))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, ready.statusCode(), "readiness still up while draining");
    Throwable refused = ws.connect(options).map(s -> (Throwable) null)
        .otherwise(err -> err).await(10, TimeUnit.SECONDS);
    assertTrue(refused instanceof io.vertx.core.http.UpgradeRejectedException rejected
        && rejected.getStatus() == 503, "a new connection was not refused with 503: " + refused);

    long deadline = start + TimeUnit.MILLISECONDS.toNanos(WINDOW_MS + 3_000);
    while (closes.size() < CLIENTS && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(CLIENTS, closes.size(), "not every client was closed within the window");
    List<long[]> all = List.copyOf(closes);
    assertTrue(all.stream().allMatch(c -> c[1] == 1001), "a close code other than 1001");

    // spread: ten buckets over the window; none may hold more than twice the mean
    int buckets = 10;
    int[] counts = new int[buckets];
    long bucketNanos = TimeUnit.MILLISECONDS.toNanos(WINDOW_MS) / buckets;
    for (long[] c : all) {
      int b = (int) Math.min(buckets - 1, Math.max(0, (c[0] - start) / bucketNanos));
      counts[b]++;
    }
    double mean = (double) CLIENTS / buckets;
    System.out.println("DrainTest: closes per " + (WINDOW_MS / buckets) + " ms bucket: "
        + java.util.Arrays.toString(counts));
    for (int count : counts) {
      assertTrue(count <= 2 * mean, "closes bunched: " + java.util.Arrays.toString(counts));
    }
    ws.close();
  }
}
