package dev.gateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.ProcessCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The paced drain as a pod sees it: one gateway process with 1,000 WebSocket clients gets a real
 * SIGTERM. Readiness fails at once, new connections are refused, the clients are closed with 1001
 * spread over the drain window (no one-second bucket above twice the mean), and the process exits
 * before a grace period of window + shutdown timeout ends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PacedDrainIT {

  static final int CLIENTS = 1_000;
  static final long WINDOW_MS = 5_000;
  static final long SHUTDOWN_TIMEOUT_MS = 5_000;
  /** What the orchestrator would allow: terminationGracePeriodSeconds must cover window + stop. */
  static final long GRACE_MS = WINDOW_MS + SHUTDOWN_TIMEOUT_MS;
  /** The last batch is due at the end of the window; the signal and the close frames take a moment. */
  static final long LATE_SLACK_MS = 500;

  @Test
  void sigtermSpreadsReconnectClosesOverTheWindowAndExitsInTime() throws Exception {
    Vertx clients = Vertx.vertx();
    try (GatewayProcess node = ProcessCluster.node("drain", Map.of(
        "GATEWAY_DRAIN_WINDOW_MS", Long.toString(WINDOW_MS),
        "GATEWAY_SHUTDOWN_TIMEOUT_MS", Long.toString(SHUTDOWN_TIMEOUT_MS))).start(60)) {
      WebSocketClient ws = clients.createWebSocketClient(
          new WebSocketClientOptions().setMaxConnections(CLIENTS + 10));
      WebSocketConnectOptions options = new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(node.port).setURI("/ws");
      ConcurrentLinkedQueue<long[]> closes = new ConcurrentLinkedQueue<>(); // {nanos, code}
      List<Future<?>> connected = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        connected.add(ws.connect(options).map(s -> s.closeHandler(v -> closes.add(new long[] {
            System.nanoTime(), s.closeStatusCode() == null ? -1 : s.closeStatusCode()}))));
      }
      Future.all(connected).await(60, TimeUnit.SECONDS);
      assertTrue(node.awaitMetric("gateway_connections{transport=\"websocket\"}", v -> v == CLIENTS, 10),
          "the node does not count " + CLIENTS + " connections");

      long signalled = System.nanoTime();
      node.sigterm();
      long notReadyMs = -1;
      while (notReadyMs < 0 && Await.millisSince(signalled) < 2_000) {
        if (node.readyStatus() == 503) {
          notReadyMs = Await.millisSince(signalled);
        }
      }
      Throwable refused = ws.connect(options).map(s -> (Throwable) null).otherwise(e -> e)
          .await(10, TimeUnit.SECONDS);
      Integer exit = node.awaitExit(GRACE_MS);
      long exitMs = Await.millisSince(signalled);

      List<long[]> all = List.copyOf(closes);
      int buckets = (int) (WINDOW_MS / 1_000);
      int[] perSecond = new int[buckets + 1]; // the last slot holds closes later than the window + slack
      for (long[] c : all) {
        long ms = TimeUnit.NANOSECONDS.toMillis(c[0] - signalled);
        perSecond[ms > WINDOW_MS + LATE_SLACK_MS ? buckets : (int) Math.min(buckets - 1, ms / 1_000)]++;
      }
      double mean = (double) CLIENTS / buckets;
      System.out.printf("PacedDrainIT: %d clients, %d ms window: readiness 503 after %d ms; closes per"
              + " second after SIGTERM %s (last slot: later than the window + 500 ms); exit %s after %d ms%n",
          CLIENTS, WINDOW_MS, notReadyMs, Arrays.toString(perSecond), exit, exitMs);

      assertTrue(notReadyMs >= 0, "readiness did not fail within 2 s of SIGTERM");
      assertTrue(refused instanceof UpgradeRejectedException r && r.getStatus() == 503,
          "a new connection during the drain was not refused with 503: " + refused);
      assertEquals(CLIENTS, all.size(), "not every client was closed");
      assertTrue(all.stream().allMatch(c -> c[1] == 1001),
          "every close says 1001 (reconnect elsewhere)");
      for (int b = 0; b < buckets; b++) {
        assertTrue(perSecond[b] <= 2 * mean, "second " + b + " closed " + perSecond[b]
            + " clients, more than twice the mean " + mean + ": " + Arrays.toString(perSecond));
      }
      assertEquals(0, perSecond[buckets], "closes later than the window + " + LATE_SLACK_MS + " ms: "
          + Arrays.toString(perSecond));
      assertNotNull(exit, "still running " + exitMs + " ms after SIGTERM (grace " + GRACE_MS + " ms)\n"
          + node.logTail());
    } finally {
      clients.close().await(10, TimeUnit.SECONDS);
    }
  }
}
