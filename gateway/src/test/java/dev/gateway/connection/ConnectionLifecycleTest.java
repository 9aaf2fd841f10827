package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.auth.Grant;
import dev.gateway.auth.Permissions;
import dev.gateway.protocol.CloseReason;
import dev.gateway.support.Await;
import dev.gateway.support.LocalNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection's way from OPEN through CLOSING to ENDED over a fake transport: its connection
 * slot is held until the transport is gone and given back once, whichever side ended it; its
 * subscriptions end with it; a closing client that reads nothing is cut after the close timeout;
 * without a token it is closed at the auth deadline, and with one when the token expires.
 */
class ConnectionLifecycleTest {

  static final String CLOSED = "gateway.connections.closed";

  @RegisterExtension
  final LocalNode node = new LocalNode();

  private ConnectionRig rig;

  private ConnectionRig rig(JsonObject limits) {
    rig = new ConnectionRig(node, 1, limits);
    return rig;
  }

  @AfterEach
  void confined() {
    if (rig != null) {
      rig.assertConfined();
    }
  }

  private double closed(String reason) {
    var c = node.registry().find(CLOSED).tag("transport", "websocket").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private static Grant grant(String tokenId, long expiresAtMillis) {
    return new Grant("alice", tokenId, expiresAtMillis,
        new Permissions(List.of("*"), List.of("*"), List.of("*")));
  }

  @Test
  void theClientEndingReleasesTheSlotOnceAndEndsTheSubscriptions() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport t = r.open("websocket");
    FakeTransport other = r.open("websocket");
    r.subscribe(t.connection(), "room");
    assertEquals(2, r.slots.inUse());
    assertEquals(1, node.eventBus().live("room"));

    r.run(() -> t.clientGone(CloseReason.CLIENT_CLOSED));
    assertTrue(r.on(() -> t.connection().isClosed()));
    assertEquals(1, r.slots.inUse(), "the slot was not given back");
    assertEquals(1, r.loop.connectionCount());
    assertEquals(0, (int) r.on(r.loop::closingCount), "an ended connection is still closing");
    assertEquals(1.0, closed("client_closed"));
    assertTrue(Await.until(() -> node.eventBus().live("room") == 0, 5_000),
        "the ended connection's channel kept its consumer");

    // a second report of the end, from either side, changes nothing
    r.run(() -> t.connection().ended(CloseReason.TRANSPORT_ERROR));
    r.run(() -> t.connection().close(CloseReason.SHUTDOWN));
    assertEquals(1, r.slots.inUse(), "the slot was given back twice");
    assertEquals(0.0, closed("transport_error"));
    assertEquals(0.0, closed("shutdown"));
    assertEquals(List.of(), r.on(() -> List.copyOf(t.closes())), "an ended connection was closed");
    assertFalse(r.on(() -> other.connection().isClosed()));
  }

  @Test
  void aServerCloseHoldsTheSlotUntilTheTransportIsGone() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport t = r.open("websocket");
    r.subscribe(t.connection(), "room");
    r.run(() -> t.connection().close(CloseReason.SHUTDOWN));
    assertEquals(List.of(CloseReason.SHUTDOWN), r.on(() -> List.copyOf(t.closes())));
    assertEquals(0, r.loop.connectionCount(), "a closing connection still counts as open");
    assertEquals(1, (int) r.on(r.loop::closingCount));
    assertEquals(1, r.slots.inUse(), "the slot was given back before the transport was gone");
    assertEquals(1.0, closed("shutdown"));
    assertTrue(Await.until(() -> node.eventBus().live("room") == 0, 5_000),
        "a closing connection kept its subscriptions");

    r.run(() -> t.connection().close(CloseReason.SLOW_CONSUMER));
    assertEquals(1, (int) r.on(() -> t.closes().size()), "closed twice");
    r.run(t::closeCompleted);
    assertEquals(0, r.slots.inUse(), "the slot was not given back at the end");
    assertEquals(0, (int) r.on(r.loop::closingCount));
    assertEquals(1.0, closed("shutdown"), "the end was counted again");
    assertEquals(0.0, closed("slow_consumer"));
    assertEquals(0.0, closed("client_closed"));
  }

  @Test
  void aClosingClientThatReadsNothingIsCutAfterTheCloseTimeout() {
    ConnectionRig r = rig(new JsonObject().put("closeTimeoutMs", 300));
    FakeTransport t = r.open("websocket");
    r.run(() -> {
      t.connection().deliver(ConnectionQueueTest.message(0));
      t.connection().deliver(ConnectionQueueTest.message(1));
      t.connection().close(CloseReason.SHUTDOWN);
      r.loop.tick(3_600_000_000_000L, 3_600_000_000_000L);
    });
    assertEquals(0, (int) r.on(t::terminations), "cut at once");
    Await.pause(450);
    // the client reads one message: progress, so the close timeout starts again
    r.run(() -> {
      t.flush(1);
      r.loop.tick(3_600_000_000_000L, 3_600_000_000_000L);
    });
    assertEquals(0, (int) r.on(t::terminations), "cut although the client was reading");
    assertEquals(1, r.slots.inUse());
    Await.pause(450);
    r.tick();
    assertEquals(1, (int) r.on(t::terminations), "a closing client reading nothing was not cut");
    assertTrue(Await.until(() -> r.slots.inUse() == 0, 5_000), "the slot outlived the cut");
    assertEquals(0, (int) r.on(r.loop::closingCount));
    assertEquals(0, (int) r.on(() -> t.connection().queuedBytes()), "the failed write stays queued");
    r.tick();
    assertEquals(1, (int) r.on(t::terminations), "an ended connection was cut again");
    assertEquals(1.0, closed("shutdown"));
    assertEquals(0.0, closed("transport_error"), "the cut was counted as a second end");
  }

  @Test
  void withoutATokenByTheDeadlineTheConnectionIsClosedUnauthorized() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport anonymous = r.open("websocket");
    FakeTransport signedIn = r.open("websocket");
    r.run(() -> {
      anonymous.connection().requireAuthenticationWithin(200);
      signedIn.connection().requireAuthenticationWithin(200);
      signedIn.connection().authenticated("token", grant("t1", 0));
    });
    assertTrue(Await.until(() -> !r.on(() -> anonymous.closes().isEmpty()), 5_000),
        "no token by the deadline and still open");
    assertEquals(List.of(CloseReason.UNAUTHORIZED), r.on(() -> List.copyOf(anonymous.closes())));
    assertEquals(1008, CloseReason.UNAUTHORIZED.code());
    Await.pause(300);
    assertEquals(List.of(), r.on(() -> List.copyOf(signedIn.closes())),
        "closed at the deadline although it had a token");
  }

  @Test
  void aTokenThatExpiresClosesTheConnectionAndARefreshedOneDoesNot() {
    ConnectionRig r = rig(new JsonObject());
    FakeTransport expiring = r.open("websocket");
    FakeTransport refreshed = r.open("websocket");
    long soon = System.currentTimeMillis() + 200;
    r.run(() -> {
      expiring.connection().grant(grant("t1", soon));
      refreshed.connection().grant(grant("t2", soon));
      refreshed.connection().grant(grant("t3", 0));
    });
    assertTrue(Await.until(() -> !r.on(() -> expiring.closes().isEmpty()), 5_000),
        "an expired token kept its connection");
    assertEquals(List.of(CloseReason.TOKEN_EXPIRED), r.on(() -> List.copyOf(expiring.closes())));
    Await.pause(300);
    assertEquals(List.of(), r.on(() -> List.copyOf(refreshed.closes())),
        "closed at the expiry of a token it had replaced");
  }
}
