package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A recovery over a transport whose writes complete only when the test says: the replay and
 * the broadcasts that waited are written as the client reads them, whatever the queue's cap, and
 * nothing the client is past (of an older epoch included) is written after its ack.
 */
class ConnectionRecoveryTest {

  static final int SIZE = 40;
  static final int CAP = 100;
  static final String CHANNEL = "chat.r";

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig;

  @AfterEach
  void confined() {
    if (rig != null) {
      rig.assertConfined();
    }
  }

  private FakeTransport open(JsonObject limits) {
    if (!limits.containsKey("outboundQueueBytes")) {
      limits.put("outboundQueueBytes", CAP);
    }
    rig = new ConnectionRig(node, 0, limits);
    return rig.open("websocket");
  }

  /** A rec of the channel at ({@code epoch}, {@code offset}), {@link #SIZE} bytes. */
  static Outbound rec(String epoch, long offset) {
    String text = String.format("%-" + SIZE + "s", "{\"e\":\"" + epoch + "\",\"o\":" + offset + "}");
    return new Outbound(text.getBytes(StandardCharsets.UTF_8), 0, false, CHANNEL, offset, epoch);
  }

  /** What the transport was given, as "epoch:offset". */
  private List<String> written(FakeTransport t) {
    return rig.on(() -> {
      List<String> out = new ArrayList<>();
      for (Outbound o : t.written()) {
        out.add(o.epoch() + ":" + o.offset());
      }
      return out;
    });
  }

  /** Lets the network take every pending write, as a client reading, until nothing is pending. */
  private void readAll(FakeTransport t) {
    for (int i = 0; i < 1_000 && rig.on(t::pendingWrites) > 0; i++) {
      rig.run(() -> t.flush(t.pendingWrites()));
    }
  }

  @Test
  void aReplayLargerThanTheQueueIsWrittenWholeAsTheClientReads() {
    FakeTransport t = open(new JsonObject());
    rig.run(() -> {
      Connection c = t.connection();
      c.holdForRecovery(CHANNEL);
      // live broadcasts while history is read: 11 and 12 come after the replay, 10 is in it
      c.deliver(rec("e", 10));
      c.deliver(rec("e", 11));
      c.deliver(rec("e", 12));
      List<Outbound> replay = new ArrayList<>();
      for (long o = 1; o <= 10; o++) {
        replay.add(rec("e", o)); // 400 bytes: four times the queue
      }
      c.recovered(CHANNEL, replay, 10, "e");
      // published while the replay is being written: waits behind it
      c.deliver(rec("e", 13));
    });
    assertTrue(rig.on(() -> t.connection().queuedBytes()) <= CAP + SIZE,
        "the replay goes out at the client's pace, not all at once");
    readAll(t);
    rig.run(() -> t.connection().deliver(rec("e", 14)));
    readAll(t);
    List<String> expected = new ArrayList<>();
    for (long o = 1; o <= 14; o++) {
      expected.add("e:" + o);
    }
    assertEquals(expected, written(t), "every offset once, in order, none dropped");
    assertEquals(List.of(), rig.on(() -> List.copyOf(t.closes())));
  }

  @Test
  void aClientThatReadsNothingDuringItsReplayIsClosedAsASlowConsumer() {
    FakeTransport t = open(new JsonObject().put("slowConsumerTimeoutMs", 200));
    rig.run(() -> {
      Connection c = t.connection();
      c.holdForRecovery(CHANNEL);
      List<Outbound> replay = new ArrayList<>();
      for (long o = 1; o <= 10; o++) {
        replay.add(rec("e", o));
      }
      c.recovered(CHANNEL, replay, 10, "e");
    });
    assertTrue(dev.gateway.support.Await.until(
        () -> !rig.on(() -> List.copyOf(t.closes())).isEmpty(), 5_000),
        "a client that reads nothing must not hold its replay for ever");
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), rig.on(() -> List.copyOf(t.closes())));
  }

  @Test
  void broadcastsOfAnOlderEpochHeldBeforeTheAckAreNotWrittenAfterIt() {
    FakeTransport t = open(new JsonObject().put("outboundQueueBytes", 10 * SIZE));
    rig.run(() -> {
      Connection c = t.connection();
      c.holdForRecovery(CHANNEL);
      // delivered by the node before the stream started anew as "new", then the new stream's
      // 1 (the ack says the client is at new:1) and 2
      c.deliver(rec("old", 7));
      c.deliver(rec("old", 8));
      c.deliver(rec("new", 1));
      c.deliver(rec("new", 2));
      c.acknowledged(CHANNEL, 1, "new");
      c.deliver(rec("new", 3));
    });
    readAll(t);
    assertEquals(List.of("new:2", "new:3"), written(t),
        "the client was told it is at new:1: nothing before that position may follow the ack");
  }

  @Test
  void aNewerEpochAfterTheAckedPositionIsWritten() {
    FakeTransport t = open(new JsonObject().put("outboundQueueBytes", 10 * SIZE));
    rig.run(() -> {
      Connection c = t.connection();
      c.holdForRecovery(CHANNEL);
      c.deliver(rec("e", 5));
      c.deliver(rec("next", 1)); // the stream started anew after the position was read
      c.acknowledged(CHANNEL, 5, "e");
      c.deliver(rec("next", 2));
    });
    readAll(t);
    assertEquals(List.of("next:1", "next:2"), written(t));
  }
}
