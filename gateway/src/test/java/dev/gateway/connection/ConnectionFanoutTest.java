package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Broadcasts from the event bus to real connections over fake transports: per-channel order into
 * every transport, and a slow consumer closed by the drop rule in the middle of a fan-out while
 * the connections after it in that fan-out still get the broadcast.
 */
class ConnectionFanoutTest {

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig0;
  private ConnectionRig rig1;

  @AfterEach
  void confined() {
    for (ConnectionRig r : new ConnectionRig[] {rig0, rig1}) {
      if (r != null) {
        r.assertConfined();
      }
    }
  }

  private static List<Object> bodies(ConnectionRig r, FakeTransport t) {
    return r.on(() -> t.written().stream()
        .map(m -> new JsonObject(m.text()).getValue("body")).toList());
  }

  private void publish(String address, int from, int to) {
    node.run(node.loop(1), () -> {
      for (int i = from; i < to; i++) {
        node.vertx().eventBus().publish(address, i);
      }
    });
  }

  @Test
  void aSlowConsumerClosedMidFanOutLeavesTheOthersTheirBroadcast() {
    rig0 = new ConnectionRig(node, 0, new JsonObject().put("outboundQueueBytes", 100)
        .put("slowConsumerMaxDrops", 2).put("slowConsumerTimeoutMs", 60_000));
    ConnectionRig r = rig0;
    FakeTransport before = r.open("websocket");
    FakeTransport slow = r.open("websocket");
    FakeTransport after = r.open("websocket");
    for (FakeTransport t : List.of(before, slow, after)) {
      r.subscribe(t.connection(), "room");
    }
    // the slow client's queue is full of replies it does not read
    r.run(() -> {
      for (int i = 0; i < 3; i++) {
        slow.connection().reply(Outbound.direct(new byte[40]));
      }
    });
    double dropped = node.registry().count("gateway.messages.dropped", "websocket");
    double sent = node.registry().count("gateway.messages.sent", "websocket");

    // drops 1 and 2 are tolerated, drop 3 closes the slow client during the third fan-out
    publish("room", 0, 3);
    assertTrue(Await.until(() -> bodies(r, after).size() == 3, 5_000),
        "the fan-out stopped at the closed connection: " + bodies(r, after));
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), r.on(() -> List.copyOf(slow.closes())));
    assertEquals(List.of(0, 1, 2), bodies(r, before));
    assertEquals(List.of(0, 1, 2), bodies(r, after));
    assertEquals(3, (int) r.on(() -> slow.written().size()), "a broadcast reached the slow client");

    // the healthy clients read what they got; the slow one has left the channel
    r.run(() -> {
      before.flush(before.pendingWrites());
      after.flush(after.pendingWrites());
    });
    publish("room", 3, 4);
    assertTrue(Await.until(() -> bodies(r, after).size() == 4, 5_000));
    assertEquals(List.of(0, 1, 2, 3), bodies(r, before));
    assertEquals(dropped + 3, node.registry().count("gateway.messages.dropped", "websocket"),
        "drops counted wrong (the closed connection is offered nothing more)");
    assertEquals(sent + 8, node.registry().count("gateway.messages.sent", "websocket"));
    assertEquals(1, node.eventBus().registered("room"));
  }

  @Test
  void everyConnectionGetsEachChannelInPublishOrder() {
    rig0 = new ConnectionRig(node, 0, new JsonObject());
    rig1 = new ConnectionRig(node, 1, new JsonObject());
    FakeTransport a = rig0.open("websocket");
    FakeTransport b = rig1.open("xhr-streaming");
    FakeTransport c = rig1.open("websocket");
    rig0.subscribe(a.connection(), "feed");
    rig1.subscribe(b.connection(), "feed");
    rig1.subscribe(c.connection(), "feed");
    int n = 200;
    publish("feed", 0, n);
    List<Object> expected = IntStream.range(0, n).boxed().map(i -> (Object) i).toList();
    assertTrue(Await.until(() -> bodies(rig0, a).size() == n && bodies(rig1, b).size() == n
        && bodies(rig1, c).size() == n, 10_000), "not everything was delivered");
    assertEquals(expected, bodies(rig0, a));
    assertEquals(expected, bodies(rig1, b));
    assertEquals(expected, bodies(rig1, c));
    assertEquals(1, node.eventBus().registered("feed"), "one consumer per node");
  }
}
