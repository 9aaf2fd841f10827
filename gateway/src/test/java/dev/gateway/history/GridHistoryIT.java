package dev.gateway.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.channel.stream.ChannelStream;
import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestCluster;
import dev.gateway.support.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The streams in the cluster's grid, through two in-process nodes: every channel's publications
 * get one sequence wherever they are published, and either node reads them back.
 */
class GridHistoryIT {

  static TestGateway a;
  static TestGateway b;

  @BeforeAll
  static void start() {
    TestCluster cluster = TestCluster.create("grid-history");
    JsonObject config = new JsonObject().put("demo", new JsonObject().put("enabled", false));
    a = TestGateway.startClustered("A", cluster, config);
    b = TestGateway.startClustered("B", cluster, config);
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  @Test
  void publishersOnBothNodesShareOneSequenceAndBothNodesReadIt() throws Exception {
    // several channels, so some are owned by each node
    for (int ch = 0; ch < 6; ch++) {
      String channel = "chat.grid-" + ch + "-" + System.nanoTime();
      List<Long> offsets = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        TestGateway node = i % 2 == 0 ? a : b;
        var published = node.main.publisher().publish(channel, new JsonObject().put("i", i),
            MultiMap.caseInsensitiveMultiMap(), null).await(10, TimeUnit.SECONDS);
        assertNotNull(published.position(), "a chat.* channel keeps history");
        offsets.add(published.position().offset());
      }
      for (int i = 0; i < 20; i++) {
        assertEquals(i + 1, offsets.get(i), channel + ": offsets in publication order");
      }
      for (TestGateway reader : List.of(a, b)) {
        ChannelStream.Slice slice = reader.main.publisher().broker().after(channel, 5, 100)
            .await(10, TimeUnit.SECONDS);
        assertNotNull(slice, channel + " read on " + reader);
        assertTrue(slice.whole());
        assertEquals(15, slice.items().size());
        assertEquals(6, slice.items().get(0).offset());
        assertEquals(20, slice.position().offset());
        assertEquals(new JsonObject().put("i", 5), new JsonObject(new String(slice.items().get(0).body())));
      }
      var dup1 = a.main.publisher().publish(channel, "x", MultiMap.caseInsensitiveMultiMap(), "k-" + ch)
          .await(10, TimeUnit.SECONDS);
      var dup2 = b.main.publisher().publish(channel, "y", MultiMap.caseInsensitiveMultiMap(), "k-" + ch)
          .await(10, TimeUnit.SECONDS);
      assertEquals(dup1.position(), dup2.position(), "one idempotency key, one publication");
      assertTrue(dup2.duplicate());
    }
  }

  @Test
  void liveBroadcastsCrossNodesWithTagsThatVerify() throws Exception {
    String rejected = "gateway_cluster_messages_rejected_total{reason=\"bad_broadcast\"}";
    Vertx client = Vertx.vertx();
    try (BridgeClient onA = BridgeClient.connect(client, a.port);
         BridgeClient onB = BridgeClient.connect(client, b.port)) {
      List<String> channels = new ArrayList<>();
      for (int ch = 0; ch < 4; ch++) { // some owned by each node: broadcasts leave from both
        String channel = "chat.tagged-" + ch + "-" + System.nanoTime();
        channels.add(channel);
        onA.register(channel);
        onB.register(channel);
      }
      a.awaitRegistrations(channels.size());
      b.awaitRegistrations(channels.size());
      for (String channel : channels) {
        for (int i = 0; i < 10; i++) {
          (i % 2 == 0 ? a : b).main.publisher().publish(channel, new JsonObject().put("i", i),
              MultiMap.caseInsensitiveMultiMap(), null).await(10, TimeUnit.SECONDS);
        }
      }
      for (BridgeClient c : List.of(onA, onB)) {
        java.util.Map<String, List<String>> offsets = new java.util.HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int got = 0;
        while (got < 10 * channels.size() && System.nanoTime() < deadline) {
          JsonObject m = c.next(1);
          if (m != null && "rec".equals(m.getString("type"))) {
            offsets.computeIfAbsent(m.getString("address"), k -> new ArrayList<>())
                .add(m.getJsonObject("headers").getString("gateway.offset"));
            got++;
          }
        }
        for (String channel : channels) {
          assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), offsets.get(channel),
              channel + ": every offset once, in order");
        }
      }
      // each delivered from its broadcast, none refused and filled from history instead
      assertEquals(0.0, a.metric(rejected), "node A refused broadcasts");
      assertEquals(0.0, b.metric(rejected), "node B refused broadcasts");
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }
}
