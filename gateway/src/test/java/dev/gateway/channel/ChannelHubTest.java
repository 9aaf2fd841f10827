package dev.gateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node-level side of channels: one event-bus consumer per channel per node, whatever the
 * number of shards and subscribers, counted both by the hub and by the event bus itself; the
 * order of each channel; one encoding per broadcast for every shard.
 */
class ChannelHubTest {

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private FanoutShard shard(int loop) {
    return new FanoutShard(node.loop(loop), node.hub(), node.metrics());
  }

  private void subscribe(FanoutShard shard, Subscriber s, String address) {
    LocalNode.await(node.on(shard.context(), () -> shard.subscribe(s, address)));
  }

  private void unsubscribe(FanoutShard shard, Subscriber s, String address) {
    node.run(shard.context(), () -> shard.unsubscribe(s, address));
  }

  /**
   * Waits until the hub has run every acquire and release asked of it before (they queue on its
   * context): a probe channel subscribed and released after them is gone from the event bus.
   */
  private void settle(FanoutShard shard) {
    RecordingSubscriber probe = new RecordingSubscriber("probe", "websocket");
    subscribe(shard, probe, "settle.probe");
    unsubscribe(shard, probe, "settle.probe");
    assertTrue(Await.until(() -> node.eventBus().live("settle.probe") == 0, 5_000),
        "the hub did not release the probe channel");
  }

  @Test
  void theFirstSubscriberOfTheNodeRegistersTheConsumerAndTheLastOneUnregistersIt() {
    FanoutShard a = shard(0);
    FanoutShard b = shard(1);
    RecordingSubscriber s1 = new RecordingSubscriber("s1", "websocket");
    RecordingSubscriber s2 = new RecordingSubscriber("s2", "websocket");
    RecordingSubscriber s3 = new RecordingSubscriber("s3", "xhr-streaming");

    subscribe(a, s1, "news");
    assertEquals(1, node.eventBus().registered("news"), "the first subscriber registers a consumer");
    assertEquals(1, node.hub().registrations());
    assertEquals(1.0, node.gauge("gateway.eventbus.registrations"));
    assertEquals(1.0, node.gauge("gateway.channels.active"));

    subscribe(b, s2, "news");
    subscribe(b, s3, "news");
    unsubscribe(a, s1, "news");
    unsubscribe(b, s2, "news");
    settle(b);
    assertEquals(1, node.eventBus().registered("news"), "later subscribers reuse the consumer");
    assertEquals(0, node.eventBus().unregistered("news"), "unregistered while s3 still listens");
    assertEquals(1, node.hub().registrations());

    unsubscribe(b, s3, "news");
    assertTrue(Await.until(() -> node.eventBus().unregistered("news") == 1, 5_000),
        "the last unsubscriber of the node did not unregister the consumer");
    settle(a);
    assertEquals(0, node.hub().registrations());
    assertEquals(0.0, node.gauge("gateway.eventbus.registrations"));
    assertEquals(0.0, node.gauge("gateway.channels.active"));

    subscribe(a, s1, "news");
    assertEquals(2, node.eventBus().registered("news"), "a new first subscriber registers again");
    assertEquals(1, node.eventBus().live("news"));
  }

  @Test
  void subscribeAndUnsubscribeStormsReachTheEventBusOncePerNode() {
    FanoutShard a = shard(0);
    FanoutShard b = shard(1);
    RecordingSubscriber anchor = new RecordingSubscriber("anchor", "websocket");
    subscribe(a, anchor, "storm");
    // both loops churn at once: B empties and refills its channel 500 times, A adds and removes
    // 500 subscribers beside the anchor
    Future<Void> churnA = churn(a, "storm", 500);
    Future<Void> churnB = churn(b, "storm", 500);
    LocalNode.await(Future.all(churnA, churnB));
    settle(a);
    settle(b);
    assertEquals(1, node.eventBus().registered("storm"), "the storm reached the event bus");
    assertEquals(0, node.eventBus().unregistered("storm"), "the storm reached the event bus");
    assertEquals(1, node.hub().registrations());
    assertEquals(0, (int) node.on(b.context(), b::channelCount), "shard B still holds the channel");

    // one consumer means one copy per broadcast
    node.vertx().eventBus().publish("storm", "after");
    assertTrue(Await.until(() -> anchor.accepted().size() == 1, 5_000), "the anchor got nothing");
    Await.pause(100);
    assertEquals(List.of("after"), anchor.bodies(), "more than one copy: more than one consumer");

    unsubscribe(a, anchor, "storm");
    assertTrue(Await.until(() -> node.eventBus().unregistered("storm") == 1, 5_000),
        "the consumer outlived the last subscriber");
  }

  /** Subscribes and unsubscribes {@code n} subscribers, one after the other, on the shard's loop. */
  private Future<Void> churn(FanoutShard shard, String address, int n) {
    Promise<Void> done = Promise.promise();
    shard.context().runOnContext(v -> {
      for (int i = 0; i < n; i++) {
        RecordingSubscriber s = new RecordingSubscriber("churn" + i, "websocket");
        shard.subscribe(s, address);
        shard.unsubscribe(s, address);
      }
      done.complete();
    });
    return done.future();
  }

  @Test
  void subscribeCompletesOnlyOnceTheConsumerIsRegistered() {
    FanoutShard a = shard(0);
    RecordingSubscriber s1 = new RecordingSubscriber("s1", "websocket");
    RecordingSubscriber s2 = new RecordingSubscriber("s2", "websocket");
    AtomicInteger registeredAtCompletion = new AtomicInteger(-1);
    boolean[] completeAtOnce = new boolean[2];
    Future<Void> ready = node.on(a.context(), () -> {
      Future<Void> f1 = a.subscribe(s1, "late");
      Future<Void> f2 = a.subscribe(s2, "late");
      completeAtOnce[0] = f1.isComplete();
      completeAtOnce[1] = f2.isComplete();
      f1.onSuccess(v -> {
        registeredAtCompletion.set(node.eventBus().registered("late"));
        // published the moment the client would be told it is subscribed: must not be missed
        node.vertx().eventBus().publish("late", "first");
      });
      return f1;
    });
    LocalNode.await(ready);
    assertFalse(completeAtOnce[0], "subscribe completed before the hub registered anything");
    assertFalse(completeAtOnce[1], "a second subscriber was told it is subscribed before the first");
    assertEquals(1, registeredAtCompletion.get(), "completed before the consumer was registered");
    assertTrue(Await.until(() -> s1.accepted().size() == 1 && s2.accepted().size() == 1, 5_000),
        "a message published on completion was missed: " + s1.bodies() + " " + s2.bodies());
  }

  @Test
  void eachChannelKeepsTheOrderOfTheEventBusOnEveryLoop() {
    FanoutShard a = shard(0);
    FanoutShard b = shard(1);
    RecordingSubscriber a1 = new RecordingSubscriber("a1", "websocket");
    RecordingSubscriber b1 = new RecordingSubscriber("b1", "websocket");
    RecordingSubscriber b2 = new RecordingSubscriber("b2", "websocket");
    subscribe(a, a1, "red");
    subscribe(b, b1, "red");
    subscribe(a, a1, "blue");
    subscribe(b, b2, "blue");
    int n = 300;
    // one sender, two channels interleaved
    node.run(node.loop(0), () -> {
      for (int i = 0; i < n; i++) {
        node.vertx().eventBus().publish("red", "red-" + i);
        node.vertx().eventBus().publish("blue", "blue-" + i);
      }
    });
    List<Object> red = IntStream.range(0, n).mapToObj(i -> (Object) ("red-" + i)).toList();
    List<Object> blue = IntStream.range(0, n).mapToObj(i -> (Object) ("blue-" + i)).toList();
    assertTrue(Await.until(() -> a1.accepted().size() == 2 * n && b1.accepted().size() == n
        && b2.accepted().size() == n, 10_000), "not everything was delivered");
    assertEquals(red, b1.bodies(), "red out of order on loop 1");
    assertEquals(blue, b2.bodies(), "blue out of order on loop 1");
    assertEquals(red, a1.bodies().stream().filter(o -> o.toString().startsWith("red")).toList(),
        "red out of order on loop 0");
    assertEquals(blue, a1.bodies().stream().filter(o -> o.toString().startsWith("blue")).toList(),
        "blue out of order on loop 0");
  }

  @Test
  void aBroadcastIsEncodedOnceForEveryShardAndSubscriber() {
    FanoutShard a = shard(0);
    FanoutShard b = shard(1);
    List<RecordingSubscriber> subs = IntStream.range(0, 4)
        .mapToObj(i -> new RecordingSubscriber("s" + i, "websocket")).toList();
    subscribe(a, subs.get(0), "shared");
    subscribe(a, subs.get(1), "shared");
    subscribe(b, subs.get(2), "shared");
    subscribe(b, subs.get(3), "shared");
    node.vertx().eventBus().publish("shared", "once",
        new DeliveryOptions().addHeader("kind", "demo"));
    assertTrue(Await.until(() -> subs.stream().allMatch(s -> s.accepted().size() == 1), 5_000));
    for (RecordingSubscriber s : subs) {
      assertSame(subs.get(0).accepted().get(0), s.accepted().get(0), s + " got its own encoding");
    }
    assertEquals("{\"type\":\"rec\",\"address\":\"shared\",\"headers\":{\"kind\":\"demo\"},"
        + "\"body\":\"once\"}", subs.get(0).accepted().get(0).text());
  }

  @Test
  void aRequestToAChannelFailsAtOnceCountedAndReachesNoSubscriber() {
    FanoutShard a = shard(0);
    RecordingSubscriber s = new RecordingSubscriber("s", "websocket");
    subscribe(a, s, "ask");
    Throwable failure = LocalNode.await(node.vertx().eventBus().request("ask", "question")
        .map(m -> (Throwable) null).otherwise(e -> e));
    ReplyException reply = assertInstanceOf(ReplyException.class, failure, "not refused");
    assertEquals(ChannelHub.CHANNEL_REQUEST_FAILURE, reply.failureCode());
    assertTrue(Await.until(() -> node.registry().find("gateway.channel.point.to.point").counter() != null
        && node.registry().find("gateway.channel.point.to.point").counter().count() == 1, 5_000),
        "the point-to-point message was not counted");
    node.vertx().eventBus().publish("ask", "published");
    assertTrue(Await.until(() -> s.accepted().size() == 1, 5_000), "the publish did not arrive");
    assertEquals(List.of("published"), s.bodies(), "the request reached a subscriber");
  }

  /** A body a backend can put on the event bus (with a codec of its own) that has no JSON form. */
  static final class Opaque {
    public String getValue() {
      throw new IllegalStateException("no JSON form");
    }
  }

  /** Passes an {@link Opaque} on the local event bus as it is. */
  static final class OpaqueCodec implements MessageCodec<Opaque, Opaque> {
    @Override
    public void encodeToWire(Buffer buffer, Opaque o) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public Opaque decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public Opaque transform(Opaque o) {
      return o;
    }

    @Override
    public String name() {
      return "opaque";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  @Test
  void aBodyWithoutJsonFormIsCountedAndNotDelivered() {
    node.vertx().eventBus().registerDefaultCodec(Opaque.class, new OpaqueCodec());
    FanoutShard a = shard(0);
    RecordingSubscriber s = new RecordingSubscriber("s", "websocket");
    subscribe(a, s, "odd");
    double before = node.registry().get("gateway.messages.unencodable").counter().count();
    node.run(node.loop(0), () -> {
      node.vertx().eventBus().publish("odd", new Opaque());
      node.vertx().eventBus().publish("odd", "text");
    });
    assertTrue(Await.until(() -> s.accepted().size() == 1, 5_000), "the JSON message was lost");
    assertEquals(List.of("text"), s.bodies(), "the opaque body reached the subscriber");
    assertEquals(before + 1, node.registry().get("gateway.messages.unencodable").counter().count());
  }

  @Test
  void broadcastsStampedByAnotherNodeAreCountedAsRemote() {
    FanoutShard a = shard(0);
    RecordingSubscriber s = new RecordingSubscriber("s", "websocket");
    subscribe(a, s, "mixed");
    PublishStamp other = new PublishStamp("other-node");
    node.run(node.loop(1), () -> {
      node.vertx().eventBus().publish("mixed", "mine", node.stamp().stamp(new DeliveryOptions()));
      node.vertx().eventBus().publish("mixed", "theirs", other.stamp(new DeliveryOptions()));
    });
    assertTrue(Await.until(() -> s.accepted().size() == 2, 5_000));
    assertEquals(List.of("mine", "theirs"), s.bodies());
    assertFalse(s.accepted().get(0).remote());
    assertTrue(s.accepted().get(1).remote());
    assertTrue(s.accepted().get(0).publishedAtMicros() > 0, "the publish time was not read");
    assertEquals(1.0, node.registry().get("gateway.cluster.messages.received").counter().count());
    assertFalse(s.accepted().get(1).text().contains("gateway."), "internal headers reached a client");
  }

  @Test
  void stoppingTheHubLeavesNoConsumerAndNoRegistrationCounted() {
    FanoutShard a = shard(0);
    subscribe(a, new RecordingSubscriber("s", "websocket"), "one");
    subscribe(a, new RecordingSubscriber("t", "websocket"), "two");
    assertEquals(2, node.eventBus().live("one") + node.eventBus().live("two"));
    LocalNode.await(node.vertx().undeploy(node.hub().deploymentID()));
    // (Vert.x also unregisters an undeployed verticle's consumers by itself)
    assertEquals(0, node.eventBus().live("one"));
    assertEquals(0, node.eventBus().live("two"));
    assertEquals(0, node.hub().registrations());
    assertEquals(0.0, node.gauge("gateway.eventbus.registrations"));
    assertEquals(0.0, node.gauge("gateway.channels.active"));
  }
}
