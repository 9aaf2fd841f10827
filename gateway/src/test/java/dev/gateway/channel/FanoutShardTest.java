package dev.gateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.Outbound;
import dev.gateway.protocol.ProtocolCodec;
import dev.gateway.support.CallCountingRegistry;
import dev.gateway.support.LocalNode;
import io.vertx.core.Future;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One loop's fan-out, driven directly on that loop: who is offered a broadcast when the set of
 * subscribers changes during it, and how the metrics see a fan-out (once, per transport).
 */
class FanoutShardTest {

  static final String SENT = "gateway.messages.sent";
  static final String BYTES = "gateway.bytes.sent";
  static final String DROPPED = "gateway.messages.dropped";

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private FanoutShard shard() {
    return new FanoutShard(node.loop(0), node.hub(), node.metrics());
  }

  private static Outbound broadcast(String address, Object body, long publishedAtMicros) {
    return new Outbound(ProtocolCodec.rec(address, body, null), publishedAtMicros, false);
  }

  private void subscribeAll(FanoutShard shard, String address, List<RecordingSubscriber> subs) {
    LocalNode.await(node.on(shard.context(), () -> Future.all(
        subs.stream().map(s -> shard.subscribe(s, address)).toList())));
  }

  private void deliver(FanoutShard shard, String address, Outbound m) {
    node.run(shard.context(), () -> shard.deliver(address, m));
  }

  @Test
  void aSubscriberClosedDuringAFanOutIsSkippedAndTheOthersStillGetIt() {
    FanoutShard shard = shard();
    RecordingSubscriber a = new RecordingSubscriber("a", "websocket");
    RecordingSubscriber b = new RecordingSubscriber("b", "websocket");
    RecordingSubscriber c = new RecordingSubscriber("c", "websocket");
    RecordingSubscriber d = new RecordingSubscriber("d", "websocket");
    subscribeAll(shard, "x", List.of(a, b, c, d));
    // a's delivery closes c, as a slow-consumer close of c would: c leaves the channel
    a.onDeliver(m -> {
      c.close();
      shard.unsubscribe(c, "x");
    });
    CallCountingRegistry r = node.registry();
    Outbound m1 = broadcast("x", 1, 0);
    deliver(shard, "x", m1);
    assertEquals(List.of(m1), a.accepted());
    assertEquals(List.of(m1), b.accepted());
    assertEquals(List.of(m1), d.accepted(), "the fan-out stopped at the closed subscriber");
    assertEquals(List.of(), c.accepted(), "a closed subscriber was written to");
    assertEquals(3.0, r.count(SENT, "websocket"));
    assertEquals(1.0, r.count(DROPPED, "websocket"), "the refused offer was not counted");

    a.onDeliver(m -> { });
    Outbound m2 = broadcast("x", 2, 0);
    deliver(shard, "x", m2);
    assertEquals(1, c.offers(), "a subscriber that left is still offered broadcasts");
    assertEquals(List.of(m1, m2), d.accepted());
    assertEquals(6.0, r.count(SENT, "websocket"));
    assertEquals(1.0, r.count(DROPPED, "websocket"));
  }

  @Test
  void aSubscriberAddedDuringAFanOutGetsTheNextBroadcast() {
    FanoutShard shard = shard();
    RecordingSubscriber a = new RecordingSubscriber("a", "websocket");
    RecordingSubscriber b = new RecordingSubscriber("b", "websocket");
    RecordingSubscriber late = new RecordingSubscriber("late", "websocket");
    subscribeAll(shard, "x", List.of(a, b));
    // a's delivery subscribes another client while b is still to be served
    a.onDeliver(m -> shard.subscribe(late, "x"));
    Outbound m1 = broadcast("x", 1, 0);
    deliver(shard, "x", m1);
    a.onDeliver(m -> { });
    Outbound m2 = broadcast("x", 2, 0);
    deliver(shard, "x", m2);
    assertEquals(List.of(m1, m2), a.accepted());
    assertEquals(List.of(m1, m2), b.accepted(), "the fan-out after the new subscriber was lost");
    assertEquals(List.of(m2), late.accepted(), "offered the broadcast it subscribed during");
  }

  @Test
  void metricsAreTouchedOncePerFanOutWithCountsPerTransport() {
    FanoutShard shard = shard();
    // transports interleaved, so a run of one transport is not what aggregates them
    List<RecordingSubscriber> subs = List.of(
        new RecordingSubscriber("w1", "websocket"), new RecordingSubscriber("x1", "xhr-streaming"),
        new RecordingSubscriber("w2", "websocket"), new RecordingSubscriber("e1", "eventsource"),
        new RecordingSubscriber("x2", "xhr-streaming"), new RecordingSubscriber("w3", "websocket"));
    subs.get(4).close();
    subscribeAll(shard, "x", subs);
    CallCountingRegistry r = node.registry();
    String[] transports = {"websocket", "xhr-streaming", "eventsource"};
    int[] sentCalls = new int[3];
    int[] bytesCalls = new int[3];
    int[] droppedCalls = new int[3];
    for (int t = 0; t < 3; t++) {
      sentCalls[t] = r.increments(SENT, transports[t]);
      bytesCalls[t] = r.increments(BYTES, transports[t]);
      droppedCalls[t] = r.increments(DROPPED, transports[t]);
    }
    double latencies = localLatencies();

    Outbound m = broadcast("x", "payload", GatewayMetrics.nowMicros());
    int size = m.size();
    for (int round = 1; round <= 2; round++) {
      deliver(shard, "x", m);
      assertEquals(3.0 * round, r.count(SENT, "websocket"));
      assertEquals(3.0 * round * size, r.count(BYTES, "websocket"));
      assertEquals(1.0 * round, r.count(SENT, "xhr-streaming"));
      assertEquals(1.0 * round * size, r.count(BYTES, "xhr-streaming"));
      assertEquals(1.0 * round, r.count(DROPPED, "xhr-streaming"));
      assertEquals(1.0 * round, r.count(SENT, "eventsource"));
      assertEquals(0.0, r.count(DROPPED, "websocket"));
      for (int t = 0; t < 3; t++) {
        assertEquals(sentCalls[t] + round, r.increments(SENT, transports[t]),
            transports[t] + ": sent counter not touched exactly once per fan-out");
        assertEquals(bytesCalls[t] + round, r.increments(BYTES, transports[t]),
            transports[t] + ": bytes counter not touched exactly once per fan-out");
      }
      assertEquals(droppedCalls[0], r.increments(DROPPED, "websocket"), "no websocket drop");
      assertEquals(droppedCalls[1] + round, r.increments(DROPPED, "xhr-streaming"));
      assertEquals(latencies + round, localLatencies(), "one latency sample per fan-out");
    }
  }

  @Test
  void moreTransportsThanTallySlotsAreStillCountedExactly() {
    FanoutShard shard = shard();
    List<RecordingSubscriber> subs = IntStream.range(0, 11)
        .mapToObj(i -> new RecordingSubscriber("s" + i, "transport-" + (i % 10))).toList();
    subscribeAll(shard, "x", subs);
    deliver(shard, "x", broadcast("x", "hi", 0));
    deliver(shard, "x", broadcast("x", "again", 0));
    assertEquals(4.0, node.registry().count(SENT, "transport-0"));
    for (int i = 1; i < 10; i++) {
      assertEquals(2.0, node.registry().count(SENT, "transport-" + i), "transport-" + i);
    }
  }

  @Test
  void theLastLocalUnsubscriberReleasesTheChannelAndStrangersReleaseNothing() {
    FanoutShard shard = shard();
    RecordingSubscriber a = new RecordingSubscriber("a", "websocket");
    RecordingSubscriber b = new RecordingSubscriber("b", "websocket");
    RecordingSubscriber stranger = new RecordingSubscriber("stranger", "websocket");
    subscribeAll(shard, "x", List.of(a, b));
    Future<Void> first = node.on(shard.context(), () -> shard.ready("x"));
    node.run(shard.context(), () -> {
      shard.unsubscribe(stranger, "x");
      shard.unsubscribe(stranger, "y");
      shard.unsubscribe(a, "x");
    });
    assertEquals(1, (int) node.on(shard.context(), shard::channelCount));
    assertTrue(node.on(shard.context(), () -> shard.isCurrent("x", first)));
    deliver(shard, "x", broadcast("x", "still", 0));
    assertEquals(1, b.accepted().size(), "b lost the channel when others left");
    assertEquals(0, a.accepted().size(), "a still receives after leaving");
    assertEquals(1, node.eventBus().live("x"));

    node.run(shard.context(), () -> shard.unsubscribe(b, "x"));
    assertEquals(0, (int) node.on(shard.context(), shard::channelCount));
    assertFalse(node.on(shard.context(), () -> shard.isCurrent("x", first)));
    assertTrue(dev.gateway.support.Await.until(() -> node.eventBus().live("x") == 0, 5_000),
        "the last local unsubscriber did not release the node's registration");

    subscribeAll(shard, "x", List.of(a));
    Future<Void> second = node.on(shard.context(), () -> shard.ready("x"));
    assertNotSame(first, second, "a new registration reuses the old one's future");
    assertTrue(node.on(shard.context(), () -> shard.isCurrent("x", second)));
  }

  private double localLatencies() {
    return node.registry().get("gateway.delivery.latency").tag("origin", "local").timer().count();
  }
}
