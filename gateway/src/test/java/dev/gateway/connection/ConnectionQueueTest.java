package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection's outbound queue over a transport whose writes complete only when the test says:
 * what is counted as queued, what is dropped at {@code outboundQueueBytes}, when a slow consumer
 * is closed (4000), and the control frames counted in the same queue.
 */
class ConnectionQueueTest {

  /** Every message here is 40 bytes; the queue cap is 100: two fit, the third goes over. */
  static final int SIZE = 40;
  static final int CAP = 100;

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig;

  private ConnectionRig rig(JsonObject limits) {
    rig = new ConnectionRig(node, 0, limits.put("outboundQueueBytes", CAP));
    return rig;
  }

  @AfterEach
  void confined() {
    if (rig != null) {
      rig.assertConfined();
    }
  }

  static Outbound message(int seq) {
    String text = String.format("%-" + SIZE + "s", "{\"seq\":" + seq + "}");
    return new Outbound(text.getBytes(StandardCharsets.UTF_8), 0, false);
  }

  /** Offers broadcasts {@code from..to-1}; returns how many were accepted. */
  private int deliver(FakeTransport t, int from, int to) {
    return rig.on(() -> {
      int accepted = 0;
      for (int i = from; i < to; i++) {
        accepted += t.connection().deliver(message(i)) ? 1 : 0;
      }
      return accepted;
    });
  }

  private int queued(FakeTransport t) {
    return rig.on(() -> t.connection().queuedBytes());
  }

  private List<CloseReason> closes(FakeTransport t) {
    return rig.on(() -> List.copyOf(t.closes()));
  }

  @Test
  void writesCountAsQueuedUntilTheNetworkTakesOrFailsThem() {
    FakeTransport t = rig(new JsonObject()).open("websocket");
    assertEquals(2, deliver(t, 0, 2));
    rig.run(() -> t.connection().reply(message(2)));
    assertEquals(3 * SIZE, queued(t));
    rig.run(() -> t.flush(1));
    assertEquals(2 * SIZE, queued(t));
    rig.run(() -> t.fail(1));
    assertEquals(SIZE, queued(t), "a failed write stays counted");
    rig.run(() -> t.flush(1));
    assertEquals(0, queued(t));
    assertEquals(List.of(message(0).text(), message(1).text(), message(2).text()),
        rig.on(() -> t.written().stream().map(Outbound::text).toList()), "written out of order");
  }

  @Test
  void broadcastsAreDroppedAtTheCapAndAcceptedAgainBelowIt() {
    FakeTransport t = rig(new JsonObject()).open("websocket");
    assertEquals(3, deliver(t, 0, 3), "refused below the cap");
    assertEquals(3 * SIZE, queued(t));
    assertEquals(0, deliver(t, 3, 5), "accepted at the cap");
    assertEquals(3, (int) rig.on(() -> t.written().size()), "a dropped broadcast was written");
    rig.run(() -> t.flush(2));
    assertEquals(1, deliver(t, 5, 6), "still refused once below the cap");
    assertEquals(List.of(message(0).text(), message(1).text(), message(2).text(), message(5).text()),
        rig.on(() -> t.written().stream().map(Outbound::text).toList()));
    assertEquals(List.of(), closes(t), "a few drops closed the connection");
  }

  @Test
  void aQueueFullPastTheSlowConsumerTimeoutIsClosedWith4000() {
    FakeTransport t = rig(new JsonObject().put("slowConsumerTimeoutMs", 300)).open("websocket");
    // in one task, so the timeout cannot pass between the drop and the look at the closes
    List<Object> atTheDrop = rig.on(() -> {
      for (int i = 0; i < 3; i++) {
        t.connection().deliver(message(i));
      }
      return List.of(t.connection().deliver(message(3)), List.copyOf(t.closes()));
    });
    assertEquals(List.of(false, List.of()), atTheDrop, "not dropped, or closed at the first drop");
    assertTrue(Await.until(() -> !closes(t).isEmpty(), 5_000), "a stalled queue was never closed");
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), closes(t));
    assertEquals(4000, CloseReason.SLOW_CONSUMER.code());
    assertTrue(rig.on(() -> t.connection().isClosed()));
  }

  @Test
  void aQueueThatDrainsBeforeTheTimeoutKeepsTheConnectionOpen() {
    FakeTransport t = rig(new JsonObject().put("slowConsumerTimeoutMs", 300)).open("websocket");
    boolean dropped = rig.on(() -> {
      for (int i = 0; i < 3; i++) {
        t.connection().deliver(message(i));
      }
      boolean d = !t.connection().deliver(message(3)); // starts the stall timer
      t.flush(3);
      return d;
    });
    assertTrue(dropped, "the stall timer needs a drop to start");
    Await.pause(700);
    assertEquals(List.of(), closes(t), "closed although the client read its queue in time");
    assertEquals(1, deliver(t, 4, 5));
  }

  @Test
  void tooManyDropsInARowCloseLongBeforeTheTimeout() {
    FakeTransport t = rig(new JsonObject().put("slowConsumerMaxDrops", 5)
        .put("slowConsumerTimeoutMs", 60_000)).open("websocket");
    deliver(t, 0, 3);
    assertEquals(0, deliver(t, 3, 8), "five drops");
    assertEquals(List.of(), closes(t), "closed at slowConsumerMaxDrops, not after it");
    // an accepted broadcast starts the count again
    rig.run(() -> t.flush(1));
    assertEquals(1, deliver(t, 8, 9));
    assertEquals(0, deliver(t, 9, 14), "five more drops");
    assertEquals(List.of(), closes(t), "drops before an accepted broadcast were still counted");
    assertEquals(0, deliver(t, 14, 15));
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), closes(t), "the sixth drop in a row");
  }

  @Test
  void directRepliesAreNeverDroppedButCloseTheConnectionAtTwiceTheCap() {
    FakeTransport t = rig(new JsonObject()).open("websocket");
    String sent = "gateway.messages.sent";
    double before = node.registry().count(sent, "websocket");
    rig.run(() -> {
      for (int i = 0; i < 5; i++) {
        t.connection().reply(message(i));
      }
    });
    assertEquals(5 * SIZE, queued(t), "a reply above the cap was dropped");
    assertEquals(List.of(), closes(t), "closed below twice the cap");
    assertEquals(before + 5, node.registry().count(sent, "websocket"));
    rig.run(() -> t.connection().reply(message(5)));
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), closes(t), "not closed at twice the cap");
    assertEquals(5, (int) rig.on(() -> t.written().size()), "the reply over twice the cap was written");
  }

  @Test
  void controlFramesAreCountedInTheQueueAndRefusedAtTheCap() {
    FakeTransport t = rig(new JsonObject()).open("websocket");
    Connection c = t.connection();
    assertEquals(List.of(true, true, true, false), rig.on(() -> List.of(
        c.queueControl(30), c.queueControl(30), c.queueControl(30), c.queueControl(30))));
    assertEquals(90, queued(t), "a refused control frame was counted");
    rig.run(() -> c.controlWritten(30));
    assertEquals(60, queued(t));
    assertTrue(rig.on(() -> c.queueControl(40)), "refused although it fits exactly");
    assertEquals(100, queued(t));
    assertEquals(0, deliver(t, 0, 1), "control frames did not count against the broadcast cap");
    rig.run(() -> c.close(CloseReason.SHUTDOWN));
    assertFalse(rig.on(() -> c.queueControl(1)), "a closing connection queued a control frame");
  }

  @Test
  void inboundControlFramesAreRatedAndPersistentAbuseCloses() {
    FakeTransport t = rig(new JsonObject().put("messagesPerSecond", 1).put("messageBurst", 2)
        .put("rateLimitStrikes", 3)).open("websocket");
    Connection c = t.connection();
    // two tokens, three refusals tolerated, the fourth refusal closes (one task: no refill between)
    List<Object> verdicts = rig.on(() -> {
      List<Object> v = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        v.add(c.controlFrame());
      }
      v.add(List.copyOf(t.closes()));
      v.add(c.controlFrame());
      return v;
    });
    assertEquals(List.of(true, true, false, false, false, List.of(), false), verdicts,
        "verdicts of six control frames, and the closes after the first five");
    assertEquals(List.of(CloseReason.RATE_LIMITED), closes(t));
    assertFalse(rig.on(c::controlFrame), "a closing connection accepts control frames");
  }

  @Test
  void nothingIsWrittenOnceTheConnectionIsClosed() {
    FakeTransport t = rig(new JsonObject()).open("websocket");
    deliver(t, 0, 1);
    rig.run(() -> t.connection().close(CloseReason.SHUTDOWN));
    assertEquals(0, deliver(t, 1, 2), "a closing connection accepted a broadcast");
    rig.run(() -> t.connection().reply(message(2)));
    assertEquals(1, (int) rig.on(() -> t.written().size()));
    rig.run(() -> t.flush(1));
    assertEquals(0, queued(t), "the write queued before the close was not accounted");
  }
}
