package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SockJS heartbeat frames ({@code h}), which keep proxies and load balancers from cutting an idle
 * connection: every transport sends one each heartbeat interval when it has nothing else to send
 * (here {@code sockjs.heartbeatMs} = 300 ms); a held poll is answered with it; the raw WebSocket
 * has no SockJS frames, heartbeats included.
 */
class HeartbeatFramesTest {

  private static final long HEARTBEAT_MS = 300;

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.heartbeatConfig(HEARTBEAT_MS));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @ParameterizedTest
  @EnumSource(Receiving.class)
  void idleReceiverGetsHeartbeats(Receiving t) {
    String url = Conformance.session();
    try (RawHttp r = t.open(gateway.port, url).timeout(10 * HEARTBEAT_MS)) {
      assertEquals("o", t.next(r));
      for (int i = 0; i < 2; i++) {
        if (t.streaming()) {
          assertEquals("h", t.next(r), t + " heartbeat " + (i + 1));
        } else {
          // a poll waits for the next frame: the heartbeat answers it
          try (RawHttp poll = t.open(gateway.port, url).timeout(10 * HEARTBEAT_MS)) {
            assertEquals("h", t.next(poll), t + " heartbeat " + (i + 1));
          }
        }
      }
    }
  }

  @Test
  void webSocketGetsHeartbeats() {
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, Conformance.session() + "/websocket", 0)) {
      assertEquals("o", ws.readText(5));
      assertEquals("h", ws.readText(5));
      assertEquals("h", ws.readText(5));
    }
  }

  @Test
  void rawWebSocketHasNoHeartbeatFrames() {
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, BASE + "/websocket", 0)) {
      long end = System.currentTimeMillis() + 4 * HEARTBEAT_MS;
      for (long left; (left = end - System.currentTimeMillis()) > 0; ) {
        RawWebSocket.Frame f = ws.poll(left);
        assertTrue(f == null || f.opcode() != RawFrame.TEXT, "a text frame on the raw WebSocket: " + f);
      }
    }
  }
}
