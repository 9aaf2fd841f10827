package dev.gateway.cluster;

import static dev.gateway.support.GatewayExtension.fresh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two clustered gateway nodes in one JVM (real Hazelcast on loopback): broadcasts cross nodes
 * exactly once and in order per publisher, one event-bus registration per channel per node
 * (also under subscribe/unsubscribe storms), an ack means the registration is visible
 * cluster-wide, cross-node request/reply, cluster metrics.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterBroadcastIT {

  static final String LATENCY = "gateway_delivery_latency_seconds_count";
  static final String CLUSTER_RECEIVED = "gateway_cluster_messages_received_total";

  static final JsonObject COMMON = new JsonObject()
      .put("permissions", new JsonObject().put("publish", List.of("*")))
      .put("limits", new JsonObject().put("messagesPerSecond", 5000).put("messageBurst", 5000));

  /** A runs the demo services (echo; the clock nearly silent), B none. */
  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(
      COMMON.copy().put("demo", new JsonObject().put("enabled", true).put("clockIntervalMs", 600_000)),
      COMMON.copy().put("demo", new JsonObject().put("enabled", false)));

  static TestGateway a;
  static TestGateway b;
  static Vertx client;
  static HttpClientAgent api;

  @BeforeAll
  static void nodes() {
    a = cluster.node(0);
    b = cluster.node(1);
    client = cluster.client();
    // one keep-alive connection: API requests are handled in order, on one event loop of a node
    api = client.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
  }

  /** A backend on a node's event bus: publishes {src:"backend", seq} {@code count} times. */
  static final class SequencePublisher extends VerticleBase {
    private final String address;
    private final int count;

    SequencePublisher(String address, int count) {
      this.address = address;
      this.count = count;
    }

    @Override
    public Future<?> start() {
      for (int i = 0; i < count; i++) {
        vertx.eventBus().publish(address, new JsonObject().put("src", "backend").put("seq", i));
      }
      return Future.succeededFuture();
    }
  }

  @Test
  void everySubscriberOnBothNodesGetsEveryMessageExactlyOnceInOrderPerPublisher() throws Exception {
    String channel = fresh("chat.seq");
    Map<String, Integer> expected = Map.of("ws", 500, "api", 200, "backend", 200);
    int total = 900;
    List<BridgeClient> subscribers = new ArrayList<>();
    try (BridgeClient publisher = BridgeClient.connect(client, a.port)) {
      for (int i = 0; i < 10; i++) {
        subscribers.add(BridgeClient.connect(client, (i < 5 ? a : b).port).register(channel));
      }
      CompletableFuture<Void> ws = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 500; i++) {
          publisher.publish(channel, new JsonObject().put("src", "ws").put("seq", i));
        }
      });
      CompletableFuture<Void> http = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 200; i++) {
          int status = b.apiPublish(api, channel, new JsonObject().put("src", "api").put("seq", i));
          assertEquals(202, status, "POST /api/publish #" + i + " on B");
        }
      });
      b.vertx.deployVerticle(new SequencePublisher(channel, 200)).await(30, TimeUnit.SECONDS);
      ws.get(30, TimeUnit.SECONDS);
      http.get(60, TimeUnit.SECONDS);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
      for (int s = 0; s < subscribers.size(); s++) {
        String who = "subscriber " + s + " on node " + (s < 5 ? "A" : "B");
        List<JsonObject> got = subscribers.get(s).collectRecs(channel, total, deadline);
        Map<String, List<Integer>> bySource = new LinkedHashMap<>();
        for (JsonObject m : got) {
          JsonObject body = m.getJsonObject("body");
          bySource.computeIfAbsent(body.getString("src"), k -> new ArrayList<>())
              .add(body.getInteger("seq"));
        }
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
          List<Integer> seqs = bySource.getOrDefault(e.getKey(), List.of());
          List<Integer> want = IntStream.range(0, e.getValue()).boxed().collect(Collectors.toList());
          assertEquals(want, seqs, who + ": messages of publisher '" + e.getKey()
              + "' missing, duplicated or out of order (" + seqs.size() + " received)");
        }
        assertEquals(total, got.size(), who + ": unexpected sources " + bySource.keySet());
      }
      // nothing beyond them arrives later (a duplicate would be a 901st message)
      assertEquals(null, subscribers.get(9).awaitRec(channel, 1), "late extra message on B");
      for (BridgeClient s : subscribers) {
        JsonObject late = s.next(0);
        assertTrue(late == null || !"rec".equals(late.getString("type")), "late message " + late);
      }
    } finally {
      subscribers.forEach(BridgeClient::close);
    }
  }

  @Test
  void oneRegistrationPerChannelPerNodeWhateverTheNumberOfSubscribers() {
    a.awaitRegistrations(0);
    b.awaitRegistrations(0);
    String channel = fresh("chat.count");
    List<String> bothNodes = Stream.of(a.nodeId(), b.nodeId()).sorted().collect(Collectors.toList());
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        clients.add(BridgeClient.connect(client, (i % 2 == 0 ? a : b).port).register(channel));
      }
      assertEquals(1.0, a.metric("gateway_eventbus_registrations"), "registrations on A");
      assertEquals(1.0, b.metric("gateway_eventbus_registrations"), "registrations on B");
      for (TestGateway viewer : List.of(a, b)) {
        assertEquals(bothNodes, holders(viewer, channel),
            "Hazelcast subscriptions of the channel as node " + viewer.name + " sees them");
      }
    } finally {
      clients.forEach(BridgeClient::close);
    }
    a.awaitRegistrations(0);
    b.awaitRegistrations(0);
    assertEquals(0.0, Await.value(() -> a.clusterRegistrations(channel).size(),
        v -> v == 0, 10), "cluster subscriptions left after every client closed");
  }

  static List<String> holders(TestGateway viewer, String address) {
    return viewer.clusterRegistrations(address).stream().map(r -> r.nodeId()).sorted()
        .collect(Collectors.toList());
  }

  static JsonObject op(String type, String address) {
    return new JsonObject().put("type", type).put("address", address);
  }

  @Test
  void subscribeUnsubscribeStormLeavesRegistrationsConsistent() {
    a.awaitRegistrations(0);
    String[] ch = IntStream.range(0, 5).mapToObj(k -> fresh("chat.storm" + k)).toArray(String[]::new);
    String sentinel = fresh("chat.sentinel");
    List<BridgeClient> storm = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        storm.add(BridgeClient.connect(client, a.port)); // spread over A's event loops
      }
      // 200 register/unregister pairs, nobody waiting for anything
      for (int i = 0; i < 50; i++) {
        for (BridgeClient c : storm) {
          c.send(op("register", ch[i % 5])).send(op("unregister", ch[i % 5]));
        }
      }
      storm.get(0).register(ch[0]);
      storm.get(1).register(ch[1]);
      for (BridgeClient c : storm) { // requests are handled in order: this ack comes last
        c.send(op("unregister", ch[4]).put("ack", "barrier"));
        assertNotNull(c.await(m -> "barrier".equals(m.getString("ack")), 10), "no barrier ack");
      }
      a.awaitRegistrations(2);
      assertEquals(List.of(a.nodeId()), holders(b, ch[0]), "cluster subscriptions of ch0");
      assertEquals(List.of(a.nodeId()), holders(b, ch[1]), "cluster subscriptions of ch1");
      for (int k = 2; k < 5; k++) {
        String c = ch[k];
        assertEquals(0.0, Await.value(() -> b.clusterRegistrations(c).size(),
            v -> v == 0, 10), "cluster subscriptions of ch" + k + " after the storm");
      }
      // deliveries follow the final state
      storm.forEach(c -> c.register(sentinel));
      for (String address : List.of(ch[2], ch[3], ch[4], ch[0], ch[1], sentinel)) {
        assertEquals(202, b.apiPublish(api, address, new JsonObject().put("to", address)));
      }
      for (int i = 0; i < 4; i++) {
        BridgeClient c = storm.get(i);
        // order across channels is not guaranteed: collect until every expected rec is in
        java.util.Set<String> expected = new java.util.HashSet<>(
            i < 2 ? List.of(ch[i], sentinel) : List.of(sentinel));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!expected.isEmpty() && System.nanoTime() < deadline) {
          JsonObject m = c.next(1);
          if (m != null && "rec".equals(m.getString("type"))) {
            assertTrue(expected.remove(m.getString("address")), "storm client " + i + " got " + m);
          }
        }
        assertTrue(expected.isEmpty(), "storm client " + i + " missed " + expected);
        for (JsonObject m = c.next(0); m != null; m = c.next(0)) {
          assertTrue(!"rec".equals(m.getString("type")), "storm client " + i + " got " + m);
        }
      }
    } finally {
      storm.forEach(BridgeClient::close);
    }
    a.awaitRegistrations(0);
    for (String c : ch) {
      assertEquals(0.0, Await.value(() -> b.clusterRegistrations(c).size(),
          v -> v == 0, 10), "cluster subscriptions of " + c + " after the clients left");
    }
  }

  @Test
  void anAckedRegistrationOnOneNodeReceivesWhatIsPublishedOnTheOtherRightAfter() {
    try (BridgeClient subscriber = BridgeClient.connect(client, b.port);
         BridgeClient publisher = BridgeClient.connect(client, a.port)) {
      for (int i = 0; i < 20; i++) {
        String channel = fresh("chat.fresh" + i);
        subscriber.register(channel);
        publisher.publish(channel, new JsonObject().put("n", i));
        JsonObject rec = subscriber.awaitRec(channel, 5);
        assertNotNull(rec, "round " + i + ": published on A right after the ack on B, never delivered");
        assertEquals(i, rec.getJsonObject("body").getInteger("n"));
      }
    }
  }

  @Test
  void aClientOnANodeWithoutTheServiceGetsTheReplyFromTheOtherNode() {
    try (BridgeClient c = BridgeClient.connect(client, b.port)) {
      for (int i = 0; i < 5; i++) {
        String reply = "reply-" + i;
        c.send(new JsonObject().put("type", "send").put("address", "echo")
            .put("body", new JsonObject().put("ping", i)).put("replyAddress", reply));
        JsonObject rec = c.await(m -> reply.equals(m.getString("address")), 10);
        assertNotNull(rec, "no reply from echo on A to a request sent on B");
        assertEquals("rec", rec.getString("type"), "request failed: " + rec);
        assertEquals(new JsonObject().put("ping", i), rec.getJsonObject("body"));
      }
    }
  }

  @Test
  void clusterMetricsCountMembersCrossNodeBroadcastsAndRemoteLatency() {
    assertEquals(2.0, a.metric("gateway_cluster_members"), "members seen by A");
    assertEquals(2.0, b.metric("gateway_cluster_members"), "members seen by B");
    String channel = fresh("chat.metrics");
    try (BridgeClient onB = BridgeClient.connect(client, b.port).register(channel);
         BridgeClient onA = BridgeClient.connect(client, a.port).register(channel);
         BridgeClient publisher = BridgeClient.connect(client, a.port)) {
      double receivedB = b.metric(CLUSTER_RECEIVED);
      double receivedA = a.metric(CLUSTER_RECEIVED);
      double remoteB = b.metric(LATENCY + "{origin=\"remote\"}");
      double localA = a.metric(LATENCY + "{origin=\"local\"}");
      double remoteA = a.metric(LATENCY + "{origin=\"remote\"}");
      for (int i = 0; i < 10; i++) {
        publisher.publish(channel, new JsonObject().put("i", i));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      assertEquals(10, onB.collectRecs(channel, 10, deadline).size(), "received on B");
      assertEquals(10, onA.collectRecs(channel, 10, deadline).size(), "received on A");
      assertEquals(receivedB + 10, b.awaitMetric(CLUSTER_RECEIVED, v -> v >= receivedB + 10, 5),
          "B counts the broadcasts A published");
      assertEquals(remoteB + 10, b.awaitMetric(LATENCY + "{origin=\"remote\"}",
          v -> v >= remoteB + 10, 5), "B's remote-origin delivery latency samples");
      assertEquals(localA + 10, a.awaitMetric(LATENCY + "{origin=\"local\"}",
          v -> v >= localA + 10, 5), "A's local-origin delivery latency samples");
      assertEquals(receivedA, a.metric(CLUSTER_RECEIVED), "A's own broadcasts are not remote on A");
      assertEquals(remoteA, a.metric(LATENCY + "{origin=\"remote\"}"), "A's remote samples");
    }
  }
}
