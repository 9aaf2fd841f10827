package dev.gateway.presence;

import static dev.gateway.presence.PresenceClients.register;
import static dev.gateway.presence.PresenceClients.stats;
import static dev.gateway.presence.PresenceClients.users;
import static dev.gateway.presence.PresenceClients.walk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence on two clustered nodes in one JVM (real Hazelcast on loopback): members of either
 * node are listed and counted on both, join and leave events cross nodes, and forged or
 * unsealed presence messages change nothing and are counted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PresenceClusterIT {

  static final JsonObject PRESENCE = new JsonObject().put("intervalMs", 200);

  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(
      PresenceClients.config(PRESENCE), PresenceClients.config(PRESENCE));

  static <T> T eventually(Supplier<T> read, java.util.function.Predicate<T> done, long seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    T value = read.get();
    while (!done.test(value) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      value = read.get();
    }
    return value;
  }

  @Test
  void membersOfEitherNodeAreListedOnBothWithEventsAcrossNodes() throws Exception {
    String ch = GatewayExtension.fresh("chat.grid");
    TestGateway a = cluster.node(0);
    TestGateway b = cluster.node(1);
    PresenceClients onA = new PresenceClients(cluster.client(), a.port);
    PresenceClients onB = new PresenceClients(cluster.client(), b.port);
    List<BridgeClient> open = new ArrayList<>();
    // the watcher asks nothing: a client's answers are awaited by skipping what comes before
    try (BridgeClient watcherA = onA.connect("watcher-a"); BridgeClient askA = onA.connect("asker");
         BridgeClient askB = onB.connect("asker")) {
      register(watcherA, ch, true);
      Set<String> expected = new TreeSet<>(Set.of("watcher-a"));
      for (int i = 0; i < 30; i++) {
        BridgeClient c = (i % 2 == 0 ? onA : onB).connect("m" + i);
        open.add(c);
        register(c, ch, false);
        expected.add("m" + i);
      }
      Set<String> onBList = eventually(() -> users(walk(askB, ch, 7)), expected::equals, 10);
      assertEquals(expected, onBList, "node B lists the members of both nodes");
      // each node hears the other's changes once per interval: A may be an interval behind B
      assertEquals(expected, eventually(() -> users(walk(askA, ch, 1000)), expected::equals, 10),
          "so does node A");
      JsonObject s = stats(askB, ch);
      assertEquals(31, s.getInteger("clients"), s.encode());
      // the watcher on A hears the joins of B's members too
      Set<String> joined = new TreeSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (joined.size() < 30 && System.nanoTime() < deadline) {
        JsonObject m = watcherA.poll(200);
        if (m != null && "rec".equals(m.getString("type")) && ch.equals(m.getString("address"))) {
          assertEquals("join", m.getJsonObject("headers").getString("gateway.event"), m.encode());
          joined.add(m.getJsonObject("body").getString("user"));
        }
      }
      assertEquals(30, joined.size(), "joins heard on A: " + joined);
      // B's members leave: A lists them no more and its watcher hears each leave
      for (int i = 1; i < 30; i += 2) {
        open.get(i).close();
        expected.remove("m" + i);
      }
      assertEquals(expected, eventually(() -> users(walk(askA, ch, 10)), expected::equals, 10));
      Set<String> left = new TreeSet<>();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (left.size() < 15 && System.nanoTime() < deadline) {
        JsonObject m = watcherA.poll(200);
        if (m != null && "rec".equals(m.getString("type"))) {
          assertEquals("leave", m.getJsonObject("headers").getString("gateway.event"), m.encode());
          left.add(m.getJsonObject("body").getString("user"));
        }
      }
      assertEquals(15, left.size(), "leaves heard on A: " + left);

    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  @Test
  void unsealedAndForgedPresenceMessagesChangeNothingAndAreCounted() throws Exception {
    String ch = GatewayExtension.fresh("chat.forged");
    TestGateway a = cluster.node(0);
    TestGateway b = cluster.node(1);
    String unsigned = "gateway_cluster_messages_rejected_total{reason=\"unsigned\"}";
    String badMac = "gateway_cluster_messages_rejected_total{reason=\"bad_mac\"}";
    double unsignedBefore = b.metric(unsigned);
    double badMacBefore = b.metric(badMac);
    String nodeA = a.main.presence().nodeId();
    String join = "{\"n\":\"" + nodeA + "\",\"s\":999999,\"o\":[{\"c\":\"" + ch
        + "\",\"j\":{\"client\":\"forged-client-00000000\",\"user\":\"mallory\"}}]}";
    // as JSON (no seal at all), and sealed with another secret
    a.vertx.eventBus().publish(PresenceCluster.DELTAS, new JsonObject(join));
    dev.gateway.cluster.ClusterSeal other = dev.gateway.cluster.ClusterSeal.of(
        "another-secret-another-secret-another-secret", r -> { });
    a.vertx.eventBus().publish(PresenceCluster.DELTAS, other.seal(PresenceCluster.DELTAS, Buffer.buffer(join)));
    a.vertx.eventBus().send(PresenceCluster.syncAddress(b.main.presence().nodeId()), new JsonObject().put("from", "x"));
    assertTrue(b.awaitMetric(unsigned, v -> v >= unsignedBefore + 2, 10) >= unsignedBefore + 2,
        "unsigned messages counted");
    assertTrue(b.awaitMetric(badMac, v -> v >= badMacBefore + 1, 10) >= badMacBefore + 1,
        "forged message counted");
    try (BridgeClient ask = new PresenceClients(cluster.client(), b.port).connect("asker")) {
      Thread.sleep(500);
      assertEquals(0, stats(ask, ch).getInteger("clients"), "nothing forged is listed");
    }
  }
}
