package dev.gateway.presence;

import static dev.gateway.presence.PresenceClients.register;
import static dev.gateway.presence.PresenceClients.users;
import static dev.gateway.presence.PresenceClients.walk;
import static dev.gateway.support.ProcessCluster.FAILURE_DETECTION_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.ProcessCluster;
import dev.gateway.testkit.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three gateway JVMs from the jar: every node lists the members of all three; {@code kill -9} of
 * one removes its members everywhere within {@code cluster.failureDetectionMs} + 2 s, with a
 * leave event for each to a watcher on another node; a node started afterwards reads the
 * survivors' members from their snapshots.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PresenceNodeLossIT {

  static final String CHANNEL = "chat.nodeloss";
  static final int PER_NODE = 20;
  static final long BOUND_MS = FAILURE_DETECTION_MS + 2_000;

  @RegisterExtension
  final ProcessCluster cluster = ProcessCluster.of(3, Map.of(
      "GATEWAY_AUTH_MODE", "optional", "GATEWAY_JWT_HS256_SECRET", PresenceClients.SECRET,
      "GATEWAY_PERMISSIONS_SUBSCRIBE", "chat.*", "GATEWAY_PRESENCE_INTERVAL_MS", "200"));

  @Test
  void aKilledNodesMembersLeaveEverywhereWithinTheBound() throws Exception {
    List<PresenceClients> on = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      on.add(new PresenceClients(cluster.client(), cluster.node(i).port));
    }
    List<BridgeClient> open = new ArrayList<>();
    Set<String> all = new TreeSet<>();
    try (BridgeClient watcher = on.get(0).connect("watcher"); BridgeClient ask1 = on.get(1).connect("asker")) {
      register(watcher, CHANNEL, true);
      all.add("watcher");
      for (int n = 0; n < 3; n++) {
        for (int k = 0; k < PER_NODE; k++) {
          BridgeClient c = on.get(n).connect("n" + n + "-" + k);
          open.add(c);
          register(c, CHANNEL, false);
          all.add("n" + n + "-" + k);
        }
      }
      assertEquals(all, eventually(ask1, all, 15), "node 2 lists the members of all three");

      Set<String> survivors = new TreeSet<>(all);
      survivors.removeIf(u -> u.startsWith("n2-"));
      drainEvents(watcher); // the joins
      GatewayProcess victim = cluster.node(2);
      long killed = System.nanoTime();
      victim.kill9();
      Set<String> listed = eventually(ask1, survivors, 30);
      long removedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      assertEquals(survivors, listed, "the killed node's members are gone");
      System.out.println("members of the killed node gone from node 2's list after " + removedMs + " ms");
      assertTrue(removedMs <= BOUND_MS, "members removed after " + removedMs + " ms, bound " + BOUND_MS);
      Set<String> left = new TreeSet<>();
      long deadline = killed + TimeUnit.MILLISECONDS.toNanos(BOUND_MS + 1_000);
      while (left.size() < PER_NODE && System.nanoTime() < deadline) {
        JsonObject m = watcher.poll(100);
        if (m != null && "rec".equals(m.getString("type"))
            && "leave".equals(m.getJsonObject("headers").getString("gateway.event"))) {
          left.add(m.getJsonObject("body").getString("user"));
        }
      }
      Set<String> expectedLeft = new TreeSet<>(all);
      expectedLeft.removeAll(survivors);
      assertEquals(expectedLeft, left, "one leave per member of the killed node, within the bound");

      // a node started now learns the survivors' members from their snapshots
      GatewayProcess fresh = cluster.relaunch(2);
      try (BridgeClient ask2 = new PresenceClients(cluster.client(), fresh.port).connect("asker-2")) {
        assertEquals(survivors, eventually(ask2, survivors, 15), "the new node lists the survivors' members");
      }
    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  /** Walks the members until they are {@code expected} or the time is up; the last walk. */
  static Set<String> eventually(BridgeClient asker, Set<String> expected, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Set<String> seen = users(walk(asker, CHANNEL, 25));
    while (!seen.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      seen = users(walk(asker, CHANNEL, 25));
    }
    return seen;
  }

  static void drainEvents(BridgeClient watcher) {
    while (watcher.poll(600) != null) {
      // joins of the members registered above
    }
  }
}
