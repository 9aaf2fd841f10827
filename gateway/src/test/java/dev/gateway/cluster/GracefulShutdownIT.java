package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway JVMs; node 2, with clients, gets SIGTERM: it turns not-ready, closes its
 * WebSockets with 1001, leaves the cluster gracefully (node 1 notices at once, not after the
 * failure detection) and exits by itself; its clients carry on on node 1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GracefulShutdownIT {

  static final String CHANNEL = "chat.graceful";
  static final long SHUTDOWN_TIMEOUT_MS = 5_000;
  /** Long, so that a graceful leave and a failure detection cannot be mistaken for each other. */
  static final long FAILURE_DETECTION_MS = 20_000;
  static final long EXIT_MARGIN_MS = 10_000;
  static final int CLIENTS = 3;

  @RegisterExtension
  final ProcessCluster cluster = ProcessCluster.of(2, Map.of(
      "GATEWAY_SHUTDOWN_TIMEOUT_MS", Long.toString(SHUTDOWN_TIMEOUT_MS),
      "GATEWAY_DRAIN_WINDOW_MS", "1000",
      "GATEWAY_CLUSTER_FAILURE_DETECTION_MS", Long.toString(FAILURE_DETECTION_MS)));

  @Test
  void sigtermDrainsClosesWith1001LeavesTheClusterAndExits() throws Exception {
    GatewayProcess n1 = cluster.node(0);
    GatewayProcess n2 = cluster.node(1);
    BridgeClient publisher = connect(n1);
    List<BridgeClient> onNode2 = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      onNode2.add(connect(n2).register(CHANNEL));
    }
    // node 2's clients get node 1's broadcasts: the cluster works before the shutdown
    for (BridgeClient c : onNode2) {
      assertTrue(awaitBroadcast(publisher, c, "before"), "node 1 -> node 2 before the shutdown");
    }

    long signalledAt = System.nanoTime();
    CompletableFuture<long[]> readiness = CompletableFuture.supplyAsync(() -> pollReadiness(n2, signalledAt));
    Await.pause(20);
    n2.sigterm();

    long membersMs = -1;
    while (membersMs < 0 && Await.millisSince(signalledAt) < FAILURE_DETECTION_MS + 10_000) {
      if (n1.metric("gateway_cluster_members") == 1) {
        membersMs = Await.millisSince(signalledAt);
      }
      Await.pause(50);
    }
    List<Short> codes = new ArrayList<>();
    for (BridgeClient c : onNode2) {
      codes.add(c.awaitClose(Math.max(1, (SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS) / 1000
          - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - signalledAt))));
    }
    long closedMs = Await.millisSince(signalledAt);
    Integer exit = n2.awaitExit(Math.max(0, SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS - Await.millisSince(signalledAt)));
    long exitMs = Await.millisSince(signalledAt);
    long[] ready = readiness.get(20, TimeUnit.SECONDS);
    System.out.printf("GracefulShutdownIT: after SIGTERM to node 2: /health/ready polled %d times,"
            + " last 200 at %d ms, first 503 at %d ms, first refused at %d ms (-1 = never);"
            + " close codes %s (all by %d ms); node 1 saw 1 member after %d ms; node 2 %s after %d ms%n",
        ready[0], ready[1], ready[2], ready[3], codes, closedMs, membersMs,
        exit == null ? "had NOT exited" : "exited with code " + exit, exitMs);

    assertTrue(ready[2] >= 0, "no 503 from node 2's /health/ready after SIGTERM in " + ready[0]
        + " polls (last 200 at " + ready[1] + " ms, refused from " + ready[3] + " ms)");
    for (Short code : codes) {
      assertEquals((short) 1001, code, "close codes of node 2's clients: " + codes);
    }
    assertNotNull(exit, "node 2 still running " + exitMs + " ms after SIGTERM (shutdownTimeoutMs "
        + SHUTDOWN_TIMEOUT_MS + ")\n" + n2.logTail());
    assertTrue(membersMs >= 0 && membersMs < FAILURE_DETECTION_MS / 2, "node 1 saw node 2 leave after "
        + membersMs + " ms (-1 = never): not a graceful leave (failure detection "
        + FAILURE_DETECTION_MS + " ms)");

    // node 2's clients reconnect to node 1 and carry on
    List<BridgeClient> moved = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      moved.add(connect(n1).register(CHANNEL));
    }
    for (BridgeClient c : moved) {
      assertTrue(awaitBroadcast(publisher, c, "after"), "a client moved to node 1 gets node 1's broadcasts");
    }
    assertEquals(1.0, n1.metric("gateway_cluster_members"), "node 1 alone after node 2 left");
  }

  private BridgeClient connect(GatewayProcess node) {
    return cluster.connect(node);
  }

  /** Publishes {"phase":P,"n":i} every 200 ms until {@code to} gets one; false after 10 s. */
  static boolean awaitBroadcast(BridgeClient publisher, BridgeClient to, String phase) {
    return Probe.probe(publisher, CHANNEL, new JsonObject().put("phase", phase), to, 10_000) >= 0;
  }

  /**
   * Polls /health/ready as fast as it answers, from just before the signal until the node stops
   * answering (or 20 s): {polls, last 200 ms, first 503 ms, first refusal ms}, -1 when not seen.
   */
  static long[] pollReadiness(GatewayProcess node, long since) {
    long polls = 0;
    long last200 = -1;
    long first503 = -1;
    long firstRefused = -1;
    while (Await.millisSince(since) < 20_000) {
      int status = node.status("/health/ready", 500);
      polls++;
      long at = Await.millisSince(since);
      if (status == 200) {
        last200 = at;
      } else if (status == 503 && first503 < 0) {
        first503 = at;
      } else if (status == -1) {
        if (firstRefused < 0) {
          firstRefused = at;
        }
        if (!node.isAlive() || at - firstRefused > 1_000) {
          break;
        }
      }
    }
    return new long[] {polls, last200, first503, firstRefused};
  }

}
