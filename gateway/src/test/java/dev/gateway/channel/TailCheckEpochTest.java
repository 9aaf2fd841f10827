package dev.gateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.ChannelStream;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.HistoryRules;
import dev.gateway.channel.stream.Publication;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.cluster.ClusterSeal;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.support.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub's tail check across an epoch change (a split cluster healed: the stream continues its
 * offsets under a new epoch). The node follows the new epoch from its first broadcast; the tail
 * check that runs next still holds the tail of one check earlier, in the old epoch. It must not
 * take that for "this node missed the old epoch's publications": doing so used to throw the
 * order back to the old epoch, and the next broadcast then re-delivered the whole retained
 * history of the new epoch to every subscriber, as duplicates.
 */
class TailCheckEpochTest {

  static final String CHANNEL = "chat.tail-epoch";
  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A stream the test moves by hand: offsets 1..tail under one epoch, all retained. */
  static final class ScriptedBroker implements Broker {
    private final HistoryRules rules =
        HistoryRules.parse(List.of("chat.* size=100 maxBytes=1048576 ttlSeconds=300"));
    volatile String epoch = "aaaaaaaaaaaaaaaa";
    volatile long tail = 5;
    /** Position reads: the registration's, then one per tail check. */
    final java.util.concurrent.atomic.AtomicInteger positions = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public HistoryRules rules() {
      return rules;
    }

    @Override
    public Future<ChannelStream.Appended> append(String channel, Publication publication) {
      return Future.failedFuture("not in this test");
    }

    /** History reads (hole fills and tail checks). */
    final java.util.concurrent.atomic.AtomicInteger afters = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Future<ChannelStream.Slice> after(String channel, long since, int limit) {
      afters.incrementAndGet();
      List<ChannelStream.Item> items = new ArrayList<>();
      for (long o = since + 1; o <= tail && items.size() < limit; o++) {
        items.add(new ChannelStream.Item(o, System.currentTimeMillis(), null,
            ("{\"n\":" + o + "}").getBytes(StandardCharsets.UTF_8)));
      }
      return Future.succeededFuture(new ChannelStream.Slice(new StreamPosition(tail, epoch), items,
          true));
    }

    @Override
    public Future<ChannelStream.Slice> latest(String channel, int limit) {
      return after(channel, Math.max(0, tail - limit), limit);
    }

    @Override
    public Future<StreamPosition> position(String channel) {
      positions.incrementAndGet();
      return Future.succeededFuture(new StreamPosition(tail, epoch));
    }
  }

  static final ClusterSeal SEAL = ClusterSeal.of("tail-check-test-secret-of-32-characters", reason -> { });

  @Test
  void aTailCheckAfterTheNodeFollowedANewEpochDeliversNothingTwice() throws Exception {
    vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    PublishStamp stamp = new PublishStamp("tail-test");
    ScriptedBroker broker = new ScriptedBroker();
    ChannelHub hub = new ChannelHub(metrics, stamp, broker, new HistoryMetrics(registry), SEAL);
    vertx.deployVerticle(hub).await(10, TimeUnit.SECONDS);
    Context loop = vertx.getOrCreateContext();
    FanoutShard shard = new FanoutShard(loop, hub, metrics);
    RecordingSubscriber s = new RecordingSubscriber("s", "websocket");
    Promise<Void> subscribed = Promise.promise();
    loop.runOnContext(v -> shard.subscribe(s, CHANNEL).onComplete(subscribed));
    subscribed.future().await(10, TimeUnit.SECONDS);

    // the first tail check (100 ms after the registration) notes the tail: 5 in the old epoch
    assertTrue(Await.until(() -> broker.positions.get() >= 2, 5_000), "no first tail check");
    // the cluster heals: the stream is the same publications under a new epoch, and 6 comes
    broker.epoch = "bbbbbbbbbbbbbbbb";
    broker.tail = 6;
    broadcast(vertx, CHANNEL, 6, broker.epoch);
    assertTrue(Await.until(() -> s.accepted().size() == 6, 5_000),
        "the new epoch from its first retained offset: " + offsets(s));
    // the second tail check (1 s after the registration) compares with the old epoch's tail
    assertTrue(Await.until(() -> broker.positions.get() >= 3, 5_000), "no second tail check");
    Await.pause(300);
    broker.tail = 7;
    broadcast(vertx, CHANNEL, 7, broker.epoch);
    Await.pause(500); // a hole would be filled after 100 ms
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), offsets(s),
        "each offset of the new epoch once, in order");
  }

  /** A broadcast as a sequencer sends it: with its position and its tag ({@link #SEAL}). */
  static void broadcast(Vertx vertx, String channel, long offset, String epoch) {
    JsonObject body = new JsonObject().put("n", offset);
    DeliveryOptions options = new DeliveryOptions()
        .addHeader(ProtocolCodec.OFFSET_HEADER, Long.toString(offset))
        .addHeader(ProtocolCodec.EPOCH_HEADER, epoch);
    options.addHeader(ClusterSeal.BROADCAST_TAG,
        SEAL.broadcastTag(channel, options.getHeaders(), body.encode()));
    vertx.eventBus().publish(channel, body, options);
  }

  static List<Long> offsets(RecordingSubscriber s) {
    return s.accepted().stream().map(Outbound::offset).toList();
  }
}
