package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.ProcessCluster;
import dev.gateway.support.chaos.ChannelLedger;
import dev.gateway.support.chaos.ChaosPublisher;
import dev.gateway.support.chaos.ClientLink.Transport;
import dev.gateway.support.chaos.HistoryApi;
import dev.gateway.support.chaos.RecoveringClient;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * History and recovery under faults, on three gateway processes from the jar: publishers on every
 * node publish to ten history channels through the HTTP API; 300 {@link RecoveringClient}s
 * (native WebSocket, SockJS xhr-streaming and SockJS xhr-polling, one third each) are registered
 * to one to three of them and, when their connection ends, reconnect to another node and
 * register again with the position of the last publication they saw. The cluster then goes
 * through (a) a rolling restart with the paced drain (SIGTERM, 1001, restart), (b) a
 * {@code kill -9} of one node, during which (d) some clients stop reading until the gateway
 * closes them as slow consumers (4000), and (c) an 8 s SIGSTOP of one node (a partition that
 * heals). At the end every client must hold every offset of its channels that history retains,
 * once, in order, with the publication history holds there; every {@code recovered:false} must
 * be explained by an epoch change or by a position older than what was retained; every
 * publication the gateway acked in the final epoch must be in history where it was acked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HistoryChaosIT {

  static final int CHANNELS = 10;
  static final int CLIENTS = 300;
  static final int SLOW_CLIENTS = 6;
  static final int PER_SECOND = 10;
  static final int PAD = 200;
  /** Where the slow consumers get a burst of large publications while they do not read. */
  static final String BULK = "chat.chaos-bulk";
  static final int BULK_MESSAGES = 40;
  static final int BULK_PAD = 48 * 1024;
  static final long STALL_MS = 7_000;
  static final long FROZEN_MS = 8_000;

  @RegisterExtension
  static final ProcessCluster cluster = ProcessCluster.of(3, Map.of(
      "GATEWAY_DEMO_ENABLED", "false",
      "GATEWAY_SHUTDOWN_TIMEOUT_MS", "5000",
      "GATEWAY_DRAIN_WINDOW_MS", "1000",
      // live nodes send something every second, so silence means a frozen node
      "GATEWAY_PING_INTERVAL_MS", "1000",
      "GATEWAY_SOCKJS_HEARTBEAT_MS", "1000",
      // the bulk channel retains a quarter of the outbound queue (1 MiB), the others the default
      "GATEWAY_HISTORY_CHANNELS", BULK + " size=10 maxBytes=262144 ttlSeconds=300,"
          + " chat.* size=100 maxBytes=1048576 ttlSeconds=300",
      "GATEWAY_SLOW_CONSUMER_TIMEOUT_MS", "1000"));

  static final AtomicIntegerArray DOWN = new AtomicIntegerArray(3);
  static final RecoveringClient.Nodes NODES = new RecoveringClient.Nodes() {
    @Override
    public int size() {
      return cluster.size();
    }

    @Override
    public int port(int index) {
      return cluster.node(index).port;
    }

    @Override
    public boolean up(int index) {
      return DOWN.get(index) == 0;
    }
  };

  static HistoryApi api;

  @BeforeAll
  static void api() {
    api = new HistoryApi(cluster.client());
  }

  @AfterAll
  static void closeApi() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  @Order(1)
  void clientsRegisteringWhileAnotherNodePublishesMissNoOffset() throws Exception {
    String channel = "chat.churn-" + System.nanoTime();
    ChaosPublisher background = new ChaosPublisher(cluster.client(), api, NODES, 20, 10)
        .start(List.of(channel));
    HistoryChurn churn = new HistoryChurn(cluster.client(), api, NODES, channel);
    HistoryChurn.Result r = churn.run(9, 8_000, 200, 40_000);
    background.stop(10_000);
    System.out.println("HistoryChaosIT churn: " + r);
    assertTrue(r.cycles() >= 200, "too few cycles to mean anything: " + r);
    assertEquals(List.of(), r.failures(), "cycles that missed or repeated an offset after the"
        + " register ack (" + r.cycles() + " cycles)");
  }

  @Test
  @Order(2)
  void everyClientEndsWithEveryRetainedOffsetOnceThroughRestartsKillsPartitionsAndSlowReads()
      throws Exception {
    long began = System.nanoTime();
    List<String> channels = IntStream.range(0, CHANNELS).mapToObj(i -> "chat.chaos-" + i).toList();
    ChaosPublisher publisher = new ChaosPublisher(cluster.client(), api, NODES, PER_SECOND, PAD)
        .start(channels);
    ChaosPublisher.burst(api, NODES, BULK, 1, 10);
    Await.pause(500);
    List<RecoveringClient> clients = new ArrayList<>();
    List<RecoveringClient> slow = new ArrayList<>();
    List<Fault> faults = new ArrayList<>();
    for (int n = 0; n < CLIENTS; n++) {
      int i = n;
      Transport t = Transport.values()[i % 3];
      boolean isSlow = t == Transport.WEBSOCKET && slow.size() < SLOW_CLIENTS && i % 2 == 0;
      List<String> mine = new ArrayList<>(IntStream.rangeClosed(0, (i / 3) % 3)
          .mapToObj(k -> channels.get((i + 3 * k) % CHANNELS)).toList());
      if (isSlow) {
        mine.add(BULK);
      }
      RecoveringClient c = new RecoveringClient("c" + i + "-" + t.name().toLowerCase(), t,
          cluster.client(), NODES, api, (i / 9) % 3, mine);
      clients.add(c.start());
      if (isSlow) {
        slow.add(c);
      }
      if (i % 20 == 19) {
        Await.pause(100);
      }
    }
    try {
      assertTrue(Await.until(() -> clients.stream().allMatch(c -> c.ledgers().stream()
          .allMatch(ChannelLedger::started)), 60_000), "clients not all registered within 60 s");
      System.out.printf("HistoryChaosIT: %d clients registered after %d ms%n", clients.size(),
          Await.millisSince(began));
      Await.pause(1_000);

      // (a) rolling restart: each node in turn drains (1001), stops, starts again
      for (int i = 0; i < cluster.size(); i++) {
        faults.add(Fault.on("rolling restart", i, clients));
        restart(i);
      }
      mark("rolling restart", began);

      // (b) kill -9 of the node with the most clients, then (d) slow consumers on the
      // survivors while it comes back
      awaitSafe();
      int killed = Fault.busiest(clients, cluster.size());
      faults.add(Fault.on("kill -9", killed, clients));
      DOWN.set(killed, 1);
      cluster.node(killed).kill9();
      for (int i = 0; i < cluster.size(); i++) {
        if (i != killed) {
          ProcessCluster.awaitMembers(cluster.node(i), 2, 30);
        }
      }
      mark("kill -9 of node " + (killed + 1) + " detected", began);
      long stalledAt = System.nanoTime();
      for (RecoveringClient c : slow) {
        c.stall(STALL_MS);
      }
      Await.pause(200);
      ChaosPublisher.burst(api, NODES, BULK, BULK_MESSAGES, BULK_PAD);
      mark("bulk burst published", began);
      cluster.relaunch(killed);
      DOWN.set(killed, 0);
      mark("killed node back", began);
      Await.pause(Math.max(0, STALL_MS + 1_000 - Await.millisSince(stalledAt)));

      // (c) partition: the node with the most clients frozen for 8 s, then resumed; the halves merge
      awaitSafe();
      int stopped = Fault.busiest(clients, cluster.size());
      faults.add(Fault.on("SIGSTOP", stopped, clients));
      GatewayProcess frozen = cluster.node(stopped);
      int mergedBefore = merges(cluster);
      frozen.sigstop();
      DOWN.set(stopped, 1);
      Await.pause(FROZEN_MS);
      frozen.sigcont();
      for (int i = 0; i < cluster.size(); i++) {
        ProcessCluster.awaitMembers(cluster.node(i), 3, 60);
      }
      // the grid's entries merge after the members rejoin: the frozen node logs MERGED then, or,
      // when the others lost each other too meanwhile (a loaded machine), one of them does
      assertTrue(Await.until(() -> merges(cluster) > mergedBefore, 60_000), "no node"
          + " logged MERGED after the SIGCONT of " + frozen.name + "\n" + frozen.logTail());
      DOWN.set(stopped, 0);
      mark("partition of node " + (stopped + 1) + " healed", began);
      Await.pause(3_000);
    } finally {
      assertTrue(publisher.stop(15_000), "publications still in flight 15 s after the stop");
    }
    // history may still move (a merge's new epochs): read it until every client is where it is
    Map<String, JsonObject> histories = new LinkedHashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    boolean converged = false;
    while (!converged && System.nanoTime() < deadline) {
      for (String ch : concat(channels, BULK)) {
        JsonObject h = api.historyNow(cluster.node(0).port, ch);
        assertNotNull(h, "no history of " + ch + " from node 1");
        histories.put(ch, h);
      }
      converged = Await.until(() -> clients.stream().allMatch(c -> c.ledgers().stream()
          .allMatch(l -> l.at(histories.get(l.channel).getString("epoch"),
              Long.parseLong(histories.get(l.channel).getString("offset"))))), 3_000);
    }
    mark("converged=" + converged, began);
    for (RecoveringClient c : clients) {
      c.stop();
    }
    for (RecoveringClient c : clients) {
      c.join(10_000);
    }
    ChaosReport report = new ChaosReport(clients, slow, histories, publisher, faults);
    System.out.println(report.summary(Await.millisSince(began)));
    report.write(ProcessCluster.LOGS.resolve("history-chaos-findings.txt"));
    report.assertAll();
  }

  /**
   * Rolling restart of one node: SIGTERM (paced drain, 1001) and its replacement launched at
   * once (as an orchestrator restarts a pod); the old one exits by itself, the new one rejoins.
   */
  private static void restart(int index) {
    GatewayProcess old = cluster.node(index);
    DOWN.set(index, 1);
    old.sigterm();
    GatewayProcess fresh = cluster.launchReplacement(index);
    Integer exit = old.awaitExit(15_000);
    old.close();
    assertNotNull(exit, old.name + " did not exit by itself after SIGTERM\n" + old.logTail());
    fresh.awaitReady(90);
    ProcessCluster.awaitMembers(fresh, cluster.size(), 30);
    DOWN.set(index, 0);
    awaitSafe(); // the grid's backups in sync before the next node goes
  }

  /** Waits until every node reports its data grid's partitions and backups in sync. */
  private static void awaitSafe() {
    for (int i = 0; i < cluster.size(); i++) {
      GatewayProcess p = cluster.node(i);
      if (!p.awaitMetric("gateway_cluster_safe", v -> v == 1, 60)) {
        throw new AssertionError(p.name + ": gateway_cluster_safe not 1 within 60 s\n" + p.logTail());
      }
    }
  }

  /** How often the node's Hazelcast member reported MERGED (it rejoined by merging). */
  private static int merges(GatewayProcess node) {
    return node.logText().split(" is MERGED", -1).length - 1;
  }

  /** How often the nodes' Hazelcast members reported MERGED, all nodes together. */
  private static int merges(ProcessCluster cluster) {
    int n = 0;
    for (int i = 0; i < cluster.size(); i++) {
      n += merges(cluster.node(i));
    }
    return n;
  }

  private static List<String> concat(List<String> list, String more) {
    List<String> all = new ArrayList<>(list);
    all.add(more);
    return all;
  }

  private static void mark(String what, long began) {
    System.out.printf("HistoryChaosIT: %s at %d ms%n", what, Await.millisSince(began));
  }

  /** Tallies for the report: close endings of all clients. */
  static Map<String, Integer> endings(List<RecoveringClient> clients) {
    Map<String, Integer> out = new TreeMap<>();
    for (RecoveringClient c : clients) {
      for (RecoveringClient.Disconnect d : c.disconnects()) {
        String key = d.closeCode() != null ? "close " + d.closeCode()
            : d.end().startsWith("silent") ? "silence" : d.end().startsWith("stopped") ? "stopped"
            : "other: " + d.end().replaceAll("[0-9]+", "N");
        out.merge(key, 1, Integer::sum);
      }
    }
    return out;
  }
}
