package dev.gateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.support.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hole whose history turns out to be of another epoch (the stream was lost and started anew
 * while a broadcast waited behind the hole): what waited means nothing now. The hub follows the
 * new epoch once, instead of reading history again and again for offsets that epoch never had
 * (it used to retry at once, for as long as the channel stayed quiet), and catches up with the
 * new epoch from its start when its next broadcast comes.
 */
class HoleFillEpochTest {

  static final String CHANNEL = "chat.hole-epoch";
  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aHoleFilledFromAnotherEpochIsReadOnceAndTheNewEpochFollowed() throws Exception {
    vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    TailCheckEpochTest.ScriptedBroker broker = new TailCheckEpochTest.ScriptedBroker();
    ChannelHub hub = new ChannelHub(metrics, new PublishStamp("hole-test"), broker,
        new HistoryMetrics(registry), TailCheckEpochTest.SEAL);
    vertx.deployVerticle(hub).await(10, TimeUnit.SECONDS);
    Context loop = vertx.getOrCreateContext();
    FanoutShard shard = new FanoutShard(loop, hub, metrics);
    RecordingSubscriber s = new RecordingSubscriber("s", "websocket");
    Promise<Void> subscribed = Promise.promise();
    loop.runOnContext(v -> shard.subscribe(s, CHANNEL).onComplete(subscribed));
    subscribed.future().await(10, TimeUnit.SECONDS); // the node follows (5, aaaa...)

    // the stream is lost and starts anew (its history now another epoch), while 7 of the old
    // epoch arrives with 6 missing before it
    broker.epoch = "bbbbbbbbbbbbbbbb";
    broker.tail = 5;
    int readsBefore = broker.afters.get();
    TailCheckEpochTest.broadcast(vertx, CHANNEL, 7, "aaaaaaaaaaaaaaaa");
    Await.pause(1_000); // the hole is filled 100 ms after the broadcast
    int reads = broker.afters.get() - readsBefore;
    // one read for the hole, and at most the tail checks' (which may catch up with 1..5 of the
    // new epoch already)
    assertTrue(reads >= 1 && reads <= 3, "history read " + reads + " times for one hole");

    // the new epoch's next broadcast: after the new epoch's retained 1..5, each once; 7 of the
    // lost epoch never
    broker.tail = 6;
    TailCheckEpochTest.broadcast(vertx, CHANNEL, 6, broker.epoch);
    assertTrue(Await.until(() -> s.accepted().size() == 6, 5_000), "got " + TailCheckEpochTest.offsets(s));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), TailCheckEpochTest.offsets(s));
  }
}
