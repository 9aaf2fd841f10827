package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.auth.Grant;
import dev.gateway.auth.Permissions;
import dev.gateway.protocol.CloseReason;
import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a loop does to all its connections: the periodic tick (queued-bytes sum, liveness, sockets
 * that stay unwritable), token revocation and the drain's batches.
 */
class LoopConnectionsTest {

  static final long HOUR = 3_600_000_000_000L;
  static final int SIZE = ConnectionQueueTest.SIZE;

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig;

  private ConnectionRig rig(JsonObject limits) {
    rig = new ConnectionRig(node, 0, limits);
    return rig;
  }

  @AfterEach
  void confined() {
    if (rig != null) {
      rig.assertConfined();
    }
  }

  private static List<CloseReason> closes(ConnectionRig r, FakeTransport t) {
    return r.on(() -> List.copyOf(t.closes()));
  }

  @Test
  void theTickSumsTheBytesQueuedOnOpenAndClosingConnections() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport a = r.open("websocket");
    FakeTransport b = r.open("xhr-streaming");
    FakeTransport closing = r.open("websocket");
    FakeTransport gone = r.open("websocket");
    r.run(() -> {
      a.connection().deliver(ConnectionQueueTest.message(0));
      a.connection().deliver(ConnectionQueueTest.message(1));
      b.connection().reply(ConnectionQueueTest.message(2));
      closing.connection().deliver(ConnectionQueueTest.message(3));
      closing.connection().close(CloseReason.SHUTDOWN);
      gone.connection().deliver(ConnectionQueueTest.message(4));
      gone.clientGone(CloseReason.CLIENT_CLOSED);
    });
    assertEquals(0, r.loop.queuedBytes(), "published before the tick");
    r.tick();
    assertEquals(4 * SIZE, r.loop.queuedBytes(), "open and closing connections, not ended ones");
    assertEquals(4.0 * SIZE, node.gauge("gateway.outbound.queue.bytes"));

    r.run(() -> {
      a.flush(2);
      closing.flush(1);
    });
    assertEquals(4 * SIZE, r.loop.queuedBytes(), "changed between ticks");
    r.tick();
    assertEquals(SIZE, r.loop.queuedBytes());
    assertEquals(1.0 * SIZE, node.gauge("gateway.outbound.queue.bytes"));
  }

  @Test
  void revocationClosesOnlyTheConnectionsOfThatToken() {
    ConnectionRig r = rig(new JsonObject());
    List<FakeTransport> ts = IntStream.range(0, 4).mapToObj(i -> r.open("websocket")).toList();
    r.run(() -> {
      ts.get(0).connection().authenticated("a", grant("t1"));
      ts.get(1).connection().authenticated("b", grant("t2"));
      ts.get(3).connection().authenticated("c", grant("t1"));
    });
    r.run(() -> r.loop.closeRevoked("t1"));
    assertEquals(List.of(CloseReason.TOKEN_REVOKED), closes(r, ts.get(0)));
    assertEquals(List.of(), closes(r, ts.get(1)), "another token's connection was closed");
    assertEquals(List.of(), closes(r, ts.get(2)), "an anonymous connection was closed");
    assertEquals(List.of(CloseReason.TOKEN_REVOKED), closes(r, ts.get(3)));
    assertEquals(4501, CloseReason.TOKEN_REVOKED.code());
    assertEquals(2, r.loop.connectionCount());
  }

  private static Grant grant(String tokenId) {
    return new Grant("alice", tokenId, 0, new Permissions(List.of("*"), List.of(), List.of()));
  }

  @Test
  void drainBatchesCloseAtMostTheirCountOldestFirst() {
    ConnectionRig r = rig(new JsonObject());
    List<FakeTransport> ts = IntStream.range(0, 5).mapToObj(i -> r.open("websocket")).toList();
    r.run(() -> r.loop.closeSome(2, CloseReason.SHUTDOWN));
    assertEquals(List.of(1, 1, 0, 0, 0), closeCounts(r, ts));
    r.run(() -> r.loop.closeSome(2, CloseReason.SHUTDOWN));
    assertEquals(List.of(1, 1, 1, 1, 0), closeCounts(r, ts));
    r.run(() -> r.loop.closeSome(2, CloseReason.SHUTDOWN));
    assertEquals(List.of(1, 1, 1, 1, 1), closeCounts(r, ts));
    r.run(() -> r.loop.closeSome(2, CloseReason.SHUTDOWN));
    assertEquals(List.of(1, 1, 1, 1, 1), closeCounts(r, ts), "a closing connection was closed again");
    assertEquals(0, r.loop.connectionCount());
    assertEquals(5, (int) r.on(r.loop::closingCount));
    assertEquals(5, r.slots.inUse(), "slots given back before the transports were gone");
  }

  @Test
  void closeAllClosesEveryOpenConnection() {
    ConnectionRig r = rig(new JsonObject());
    List<FakeTransport> ts = IntStream.range(0, 3).mapToObj(i -> r.open("websocket")).toList();
    r.run(() -> ts.get(1).clientGone(CloseReason.CLIENT_CLOSED));
    r.run(() -> r.loop.closeAll(CloseReason.SHUTDOWN));
    assertEquals(List.of(1, 0, 1), closeCounts(r, ts));
    assertEquals(List.of(CloseReason.SHUTDOWN), closes(r, ts.get(2)));
  }

  private static List<Integer> closeCounts(ConnectionRig r, List<FakeTransport> ts) {
    return r.on(() -> ts.stream().map(t -> t.closes().size()).toList());
  }

  @Test
  void aSilentConnectionIsPingedAndClosedWhenThePongDoesNotCome() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport t = r.open("websocket");
    FakeTransport cannotPing = r.open("xhr-streaming");
    r.run(() -> cannotPing.canPing(false));
    Await.pause(5);
    r.run(() -> r.loop.tick(1, HOUR));
    assertEquals(1, (int) r.on(t::pings), "a silent connection was not pinged");
    r.run(() -> r.loop.tick(1, HOUR));
    assertEquals(1, (int) r.on(t::pings), "pinged again while waiting for the pong");
    r.run(() -> t.connection().touch());
    Await.pause(5);
    r.run(() -> r.loop.tick(1, HOUR));
    assertEquals(2, (int) r.on(t::pings), "not pinged after the pong");
    assertEquals(List.of(), closes(r, t), "closed while its pong time had not passed");
    Await.pause(5);
    r.run(() -> r.loop.tick(1, 1));
    assertEquals(List.of(CloseReason.HEARTBEAT_TIMEOUT), closes(r, t));
    assertEquals(List.of(), closes(r, cannotPing), "a transport without pings was closed");
  }

  @Test
  void aSocketUnwritablePastTheSlowConsumerTimeoutIsClosed() {
    ConnectionRig r = rig(new JsonObject().put("slowConsumerTimeoutMs", 1_000));
    FakeTransport stuck = r.open("websocket");
    FakeTransport recovering = r.open("websocket");
    r.run(() -> {
      stuck.writable(false);
      recovering.writable(false);
    });
    r.tick();
    Await.pause(600);
    r.run(() -> recovering.writable(true));
    r.tick();
    r.run(() -> recovering.writable(false));
    r.tick();
    assertEquals(List.of(), closes(r, stuck), "closed as soon as it was unwritable");
    Await.pause(600);
    r.tick();
    assertEquals(List.of(CloseReason.SLOW_CONSUMER), closes(r, stuck),
        "unwritable past slowConsumerTimeoutMs and still open");
    assertEquals(List.of(), closes(r, recovering),
        "closed although its socket became writable again within the timeout");
    assertTrue(r.on(() -> !recovering.connection().isClosed()));
  }
}
