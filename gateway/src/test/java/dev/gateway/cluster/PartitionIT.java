package dev.gateway.cluster;

import static dev.gateway.support.ProcessCluster.FAILURE_DETECTION_MS;
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
 * Two gateway JVMs; node 2 is frozen (SIGSTOP) for longer than the failure detection, so each side
 * declares the other dead, then resumed (SIGCONT): Hazelcast merges the two halves and the
 * subscriptions made before the partition must work again across nodes, in both directions,
 * without the clients registering again (the lost-subscriptions-after-rejoin class of bugs,
 * eclipse-vertx/vert.x #4394 and #5202).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PartitionIT {

  static final String CHANNEL = "chat.partition";
  static final long FROZEN_MS = 8_000;
  /** Cross-node delivery must be back this long after both nodes see two members again. */
  static final long RECOVERY_BOUND_MS = 10_000;
  /** How long the probes keep trying after the merge (beyond the bound, to report what happens). */
  static final long PROBE_MS = 25_000;

  @RegisterExtension
  final ProcessCluster cluster = ProcessCluster.of(2, Map.of());

  @Test
  void subscriptionsWorkAcrossNodesAgainAfterAPartitionHeals() throws Exception {
    GatewayProcess n1 = cluster.node(0);
    GatewayProcess n2 = cluster.node(1);
    Side one = new Side("node 1", n1, connect(n1), connect(n1).register(CHANNEL));
    Side two = new Side("node 2", n2, connect(n2), connect(n2).register(CHANNEL));

    assertTrue(probe(one.pub, one.name, "before", two.sub, 15_000) >= 0, "node 1 -> node 2 before the partition");
    assertTrue(probe(two.pub, two.name, "before", one.sub, 15_000) >= 0, "node 2 -> node 1 before the partition");

    // with two nodes the tie is broken by address, so one node always merges into the other:
    // freezing each node once covers both "the frozen node merges" and "the live node merges"
    List<String> failures = new ArrayList<>();
    failures.addAll(partitionAndHeal(two, one, "round 1"));
    failures.addAll(partitionAndHeal(one, two, "round 2"));
    assertTrue(failures.isEmpty(), "after the partition healed (subscriptions made once, before"
        + " round 1):\n  " + String.join("\n  ", failures));
  }

  /** One node of the test with its publisher and its subscriber (registered once). */
  record Side(String name, GatewayProcess node, BridgeClient pub, BridgeClient sub) {
  }

  /** Freezes {@code frozen} past the failure detection, resumes it; the failures seen. */
  private List<String> partitionAndHeal(Side frozen, Side live, String round) throws Exception {
    List<String> failures = new ArrayList<>();
    int mergedBefore1 = merges(frozen.node);
    int mergedBefore2 = merges(live.node);
    long stoppedAt = System.nanoTime();
    frozen.node.sigstop();
    long droppedMs = -1;
    while (Await.millisSince(stoppedAt) < Math.max(FROZEN_MS, droppedMs + 3_000)
        && Await.millisSince(stoppedAt) < 30_000) {
      if (droppedMs < 0 && live.node.metric("gateway_cluster_members") == 1) {
        droppedMs = Await.millisSince(stoppedAt);
      }
      Await.pause(100);
    }
    long frozenMs = Await.millisSince(stoppedAt);
    long resumedAt = System.nanoTime();
    frozen.node.sigcont();
    System.out.printf("PartitionIT %s: %s frozen for %d ms; %s saw 1 member after %d ms%n",
        round, frozen.name, frozenMs, live.name, droppedMs);
    if (droppedMs < 0) {
      failures.add(round + ": " + live.name + " still counted 2 members while " + frozen.name
          + " was frozen for " + frozenMs + " ms (failure detection " + FAILURE_DETECTION_MS + " ms)");
      return failures;
    }

    // the live node's view is current: back to 2 members = the halves merged
    long mergedMs = -1;
    while (mergedMs < 0 && Await.millisSince(resumedAt) < 30_000) {
      if (live.node.metric("gateway_cluster_members") == 2) {
        mergedMs = Await.millisSince(resumedAt);
      }
      Await.pause(100);
    }
    double frozenView = frozen.node.metric("gateway_cluster_members");
    if (mergedMs < 0) {
      failures.add(round + ": the halves did not merge within 30 s of SIGCONT");
      return failures;
    }
    long mergedAt = System.nanoTime();
    CompletableFuture<Long> toFrozen = CompletableFuture.supplyAsync(
        () -> probe(live.pub, live.name, round, frozen.sub, PROBE_MS));
    CompletableFuture<Long> toLive = CompletableFuture.supplyAsync(
        () -> probe(frozen.pub, frozen.name, round, live.sub, PROBE_MS));
    long liveToFrozen = toFrozen.get(PROBE_MS + 10_000, TimeUnit.MILLISECONDS);
    long frozenToLive = toLive.get(PROBE_MS + 10_000, TimeUnit.MILLISECONDS);
    String mergedNode = merges(frozen.node) > mergedBefore1 ? frozen.name
        : merges(live.node) > mergedBefore2 ? live.name : "neither (no MERGED in the logs)";
    System.out.printf("PartitionIT %s: merged %d ms after SIGCONT (%s sees %.0f members then; %s"
            + " rejoined by merging); after the merge: %s -> %s delivery after %d ms, %s -> %s"
            + " after %d ms (-1 = not within %d ms); recovery %d ms after SIGCONT%n",
        round, mergedMs, frozen.name, frozenView, mergedNode, live.name, frozen.name, liveToFrozen,
        frozen.name, live.name, frozenToLive, PROBE_MS,
        liveToFrozen < 0 || frozenToLive < 0 ? -1
            : TimeUnit.NANOSECONDS.toMillis(mergedAt - resumedAt) + Math.max(liveToFrozen, frozenToLive));
    check(failures, round, live, frozen, liveToFrozen, mergedNode);
    check(failures, round, frozen, live, frozenToLive, mergedNode);

    // still working a little later (a late cleanup of the merge must not drop them again)
    Await.pause(2_000);
    for (Side[] d : new Side[][] {{live, frozen}, {frozen, live}}) {
      if (probe(d[0].pub, d[0].name, round + "-settled", d[1].sub, 5_000) < 0) {
        failures.add(round + ": " + d[0].name + " -> " + d[1].name + " lost again 2 s after the"
            + " merge (nothing within 5 s)");
      }
    }
    if (probe(frozen.pub, frozen.name, round + "-local", frozen.sub, 5_000) < 0
        || probe(live.pub, live.name, round + "-local", live.sub, 5_000) < 0) {
      failures.add(round + ": local delivery broken after the merge");
    }
    return failures;
  }

  private static void check(List<String> failures, String round, Side from, Side to, long ms,
                            String mergedNode) {
    if (ms < 0 || ms > RECOVERY_BOUND_MS) {
      failures.add(round + ": " + from.name + " -> " + to.name + " (" + to.name + "'s subscription,"
          + " registered before the partitions) " + describe(ms) + "; " + mergedNode
          + " was the node that merged");
    }
  }

  /** How often the node's Hazelcast member reported MERGED (it rejoined by merging). */
  private static int merges(GatewayProcess node) {
    return node.logText().split(" is MERGED", -1).length - 1;
  }

  private static String describe(long ms) {
    return ms < 0 ? "nothing arrived within " + PROBE_MS + " ms of the merge"
        : "first arrived " + ms + " ms after the merge (bound " + RECOVERY_BOUND_MS + " ms)";
  }

  private BridgeClient connect(GatewayProcess node) {
    return cluster.connect(node);
  }

  /**
   * Publishes {"from","phase","n"} every 200 ms until {@code to} receives one of them; the time it
   * took in ms, or -1 after {@code millis}.
   */
  static long probe(BridgeClient publisher, String from, String phase, BridgeClient to, long millis) {
    return Probe.probe(publisher, CHANNEL, new JsonObject().put("from", from).put("phase", phase), to, millis);
  }
}
