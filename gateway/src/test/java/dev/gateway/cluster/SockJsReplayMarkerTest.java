package dev.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

/**
 * A replayed SockJS request (served locally, never forwarded again) is recognised by this
 * process's token coming from the TCP peer on loopback. Behind a reverse proxy on the same host
 * every client is a loopback peer, so the header alone, or the old constant value, is not enough.
 */
class SockJsReplayMarkerTest {

  private static final SocketAddress LOOPBACK = SocketAddress.inetSocketAddress(40_000, "127.0.0.1");

  @Test
  void replayNeedsTheProcessTokenFromALoopbackPeer() {
    assertTrue(SockJsForwarding.isReplay(SockJsForwarding.REPLAY_TOKEN, LOOPBACK));
    assertTrue(SockJsForwarding.isReplay(SockJsForwarding.REPLAY_TOKEN,
        SocketAddress.inetSocketAddress(40_000, "::1")));
  }

  @Test
  void aClientSettingTheHeaderIsNoReplay() {
    assertFalse(SockJsForwarding.isReplay("1", LOOPBACK), "a constant any client can send");
    assertFalse(SockJsForwarding.isReplay("", LOOPBACK));
    assertFalse(SockJsForwarding.isReplay(null, LOOPBACK));
    assertFalse(SockJsForwarding.isReplay(SockJsForwarding.REPLAY_TOKEN + "x", LOOPBACK));
  }

  @Test
  void theTokenFromAnotherHostIsNoReplay() {
    assertFalse(SockJsForwarding.isReplay(SockJsForwarding.REPLAY_TOKEN,
        SocketAddress.inetSocketAddress(40_000, "192.0.2.1")));
  }
}
