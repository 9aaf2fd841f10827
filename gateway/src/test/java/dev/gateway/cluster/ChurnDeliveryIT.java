package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection churn on one channel spread over three clustered nodes (in one JVM, real Hazelcast
 * on loopback), as the Gatling churn simulation does it: each cycle connects a native WebSocket
 * to a node, registers to the channel with an ack, publishes on the same connection right after
 * the ack and waits for its own message to come back, then disconnects. With few clients per
 * node, every node's subscription to the channel keeps going 0 -> 1 -> 0 while the other nodes
 * stay subscribed. Asserts that no cycle loses its own message.
 *
 * <p>Without {@link SelfAwareClusterManager} (plain {@code HazelcastClusterManager}) about 1 cycle
 * in 100-130 lost its message here: the publishing node routed it with the channel's node list
 * cached by Vert.x's node selector, which did not yet contain the node's own just-completed
 * registration, so the message went to the other nodes only.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ChurnDeliveryIT {

  static final int CLIENTS = 9;
  static final long CHURN_SECONDS = 15;
  static final long OWN_MESSAGE_WAIT_SECONDS = 5;

  static final JsonObject CONFIG = new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("permissions", new JsonObject().put("publish", List.of("*")));

  @RegisterExtension
  static final GatewayExtension cluster = GatewayExtension.cluster(CONFIG, CONFIG, CONFIG);

  @Test
  void everyChurningClientGetsItsOwnMessagePublishedRightAfterTheAck() throws Exception {
    String channel = GatewayExtension.fresh("chat.churn");
    List<TestGateway> nodes = cluster.nodes();
    AtomicInteger cycles = new AtomicInteger();
    AtomicInteger[] perNode = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHURN_SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> users = new ArrayList<>();
    long started = System.nanoTime();
    try {
      for (int u = 0; u < CLIENTS; u++) {
        int user = u;
        users.add(pool.submit(() -> {
          for (int cycle = 0; System.nanoTime() < end; cycle++) {
            int node = (user + cycle) % nodes.size();
            String id = "u" + user + "-c" + cycle;
            try (BridgeClient c = BridgeClient.connect(cluster.client(), nodes.get(node).port)) {
              c.register(channel);
              c.publish(channel, new JsonObject().put("id", id));
              JsonObject own = c.await(m -> "rec".equals(m.getString("type"))
                  && channel.equals(m.getString("address"))
                  && id.equals(m.getJsonObject("body").getString("id")), OWN_MESSAGE_WAIT_SECONDS);
              cycles.incrementAndGet();
              perNode[node].incrementAndGet();
              if (own == null) {
                lost.add(id + " on node " + nodes.get(node).name);
              }
            }
          }
        }));
      }
      for (Future<?> f : users) {
        f.get(CHURN_SECONDS + 60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    System.out.printf("ChurnDeliveryIT: %d clients, %d cycles in %d s (A %d, B %d, C %d), "
            + "%d lost: %s%n", CLIENTS, cycles.get(), seconds, perNode[0].get(), perNode[1].get(),
        perNode[2].get(), lost.size(), lost);
    assertEquals(List.of(), new ArrayList<>(lost), "cycles whose own message, published right after "
        + "the register ack, never came back within " + OWN_MESSAGE_WAIT_SECONDS + " s (of "
        + cycles.get() + " cycles)");
  }
}
