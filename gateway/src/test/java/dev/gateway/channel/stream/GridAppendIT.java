package dev.gateway.channel.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.gateway.support.TestCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The append that runs where a channel's entry lives in a real Hazelcast member: batches keep
 * their order, a retried batch (the grid re-runs an operation whose member was lost, and it may
 * have been applied) is answered from the stream rather than applied twice, repeated idempotency
 * keys are marked, and the per-node cap refuses only new streams.
 */
class GridAppendIT {

  static final HistoryRules.Rule RULE = new HistoryRules.Rule("chat.*", 100, 1 << 20, 60);
  static HazelcastInstance hz;
  static IMap<String, ChannelStream> map;

  @BeforeAll
  static void start() {
    TestCluster cluster = TestCluster.create("grid-append");
    Config config = new Config().setClusterName(cluster.name());
    config.getNetworkConfig().setPort(cluster.basePort()).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    GridBroker.configure(config, 0);
    hz = Hazelcast.newHazelcastInstance(config);
    map = hz.getMap(GridBroker.MAP);
  }

  @AfterAll
  static void stop() {
    if (hz != null) {
      hz.shutdown();
    }
  }

  static List<Publication> pubs(String... keys) {
    List<Publication> out = new ArrayList<>();
    for (String k : keys) {
      out.add(new Publication(null, ("{\"k\":\"" + k + "\"}").getBytes(StandardCharsets.UTF_8),
          k.startsWith("key") ? k : null, "n", 0));
    }
    return out;
  }

  static GridOps.AppendResult append(String channel, String origin, long seq, List<Publication> p,
                                     int maxOwned) throws Exception {
    return map.submitToKey(channel, new GridOps.Append(RULE, origin, seq, p,
        System.currentTimeMillis(), ChannelStream.newEpoch(), true, maxOwned, false))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRetriedBatchIsAnsweredFromTheStreamNotAppliedTwice() throws Exception {
    String ch = "chat.retry-" + System.nanoTime();
    GridOps.AppendResult first = append(ch, "node-a", 1, pubs("x", "y", "z"), Integer.MAX_VALUE);
    assertArrayEquals(new long[] {1, 2, 3}, first.offsets);
    GridOps.AppendResult retried = append(ch, "node-a", 1, pubs("x", "y", "z"), Integer.MAX_VALUE);
    assertArrayEquals(new long[] {1, 2, 3}, retried.offsets, "the same batch again: its first answer");
    assertEquals(first.epoch, retried.epoch);
    assertArrayEquals(new long[] {4}, append(ch, "node-a", 2, pubs("w"), Integer.MAX_VALUE).offsets);
    // another node's sequence is its own: its batch 1 is new
    assertArrayEquals(new long[] {5, 6}, append(ch, "node-b", 1, pubs("p", "q"), Integer.MAX_VALUE).offsets);
    assertEquals(6, map.get(ch).retained(), "six publications, none twice");
  }

  @Test
  void aRepeatedIdempotencyKeyInABatchIsMarkedWithTheFirstOffset() throws Exception {
    String ch = "chat.keys-" + System.nanoTime();
    append(ch, "node-a", 1, pubs("key-1"), Integer.MAX_VALUE);
    GridOps.AppendResult r = append(ch, "node-a", 2, pubs("x", "key-1", "key-2", "key-2"),
        Integer.MAX_VALUE);
    assertArrayEquals(new long[] {2, -1, 3, -3}, r.offsets);
    assertTrue(r.appended(1).duplicate());
    assertEquals(1, r.appended(1).position().offset());
    assertEquals(3, map.get(ch).position().offset());
  }

  @Test
  void theNodeCapRefusesNewStreamsOnlyWhileExistingOnesKeepAppending() throws Exception {
    String existing = "chat.cap-existing-" + System.nanoTime();
    append(existing, "node-a", 1, pubs("x"), Integer.MAX_VALUE);
    int owned = (int) map.getLocalMapStats().getOwnedEntryCount();
    GridOps.AppendResult refused = append("chat.cap-new-" + System.nanoTime(), "node-a", 2,
        pubs("y"), owned);
    assertTrue(refused.refused(), "a new stream at the cap");
    GridOps.AppendResult accepted = append(existing, "node-a", 3, pubs("z"), owned);
    assertArrayEquals(new long[] {2}, accepted.offsets, "an existing stream at the cap");
  }
}
