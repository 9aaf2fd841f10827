package dev.gateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paced drain (what SIGTERM runs), in process: readiness fails at once, new connections are
 * refused with 503, and every open one is closed with 1001 (reconnect elsewhere) by the end of
 * the drain window. How the closes spread over the window is checked on a real process, with a
 * real SIGTERM, by {@link PacedDrainIT}.
 */
class DrainTest {

  private static final int CLIENTS = 200;
  private static final long WINDOW_MS = 2_000;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("drainWindowMs", WINDOW_MS)));

  @Test
  void drainRefusesNewConnectionsAndClosesEveryOneWithReconnectCode() throws Exception {
    TestGateway gateway = gw.node();
    WebSocketClient ws = gw.client().createWebSocketClient(
        new WebSocketClientOptions().setMaxConnections(CLIENTS + 10));
    ConcurrentLinkedQueue<Integer> closeCodes = new ConcurrentLinkedQueue<>();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(gateway.port).setURI("/ws");
    for (int i = 0; i < CLIENTS; i++) {
      ws.connect(options).map(s -> s.closeHandler(v -> closeCodes.add(
          s.closeStatusCode() == null ? -1 : (int) s.closeStatusCode()))).await(10, TimeUnit.SECONDS);
    }
    long start = System.nanoTime();
    gateway.main.drain();

    HttpResponse<Buffer> ready = gw.get("/health/ready");
    assertEquals(503, ready.statusCode(), "readiness still up while draining");
    Throwable refused = ws.connect(options).map(s -> (Throwable) null)
        .otherwise(err -> err).await(10, TimeUnit.SECONDS);
    assertTrue(refused instanceof UpgradeRejectedException rejected && rejected.getStatus() == 503,
        "a new connection was not refused with 503: " + refused);

    long deadline = start + TimeUnit.MILLISECONDS.toNanos(WINDOW_MS + 3_000);
    while (closeCodes.size() < CLIENTS && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(CLIENTS, closeCodes.size(), "not every client was closed by the end of the window");
    assertEquals(List.of(1001), List.copyOf(new TreeSet<>(closeCodes)), "close codes");
    ws.close();
  }
}
