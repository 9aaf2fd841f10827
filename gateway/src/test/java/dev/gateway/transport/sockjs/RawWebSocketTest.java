package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 raw WebSocket, {@code /eventbus/websocket} (reference class RawWebsocket): plain
 * WebSocket for programs, with no SockJS framing at all: no open frame, no array frames, no
 * heartbeat frames ({@link HeartbeatFramesTest}); one bridge message per WebSocket message; the
 * gateway's close is a WebSocket close frame with its code and reason.
 */
class RawWebSocketTest {

  static TestGateway gateway;
  static TestGateway closing;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
    closing = Conformance.start(Conformance.closingConfig());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    closing.close();
  }

  @Test
  void oneMessagePerFrameWithoutSockJsFraming() {
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, BASE + "/websocket", 0)) {
      ws.send(RawFrame.text(echo("r1", "Hello world!\uffff")));
      String first = ws.readText(5); // the very first frame is the reply: no "o" before it
      assertEquals("Hello world!\uffff", Conformance.recBody(first, "r1"));

      // two messages in two frames (sent in one write) come back as two frames
      ws.send(RawFrame.text(echo("r2", "a")), RawFrame.text(echo("r3", "b")));
      String a = ws.readText(5);
      String b = ws.readText(5);
      assertEquals("a", Conformance.recBody(a, "r2"));
      assertEquals("b", Conformance.recBody(b, "r3"));
    }
  }

  @Test
  void closeIsAWebSocketCloseWithCodeAndReason() {
    try (RawWebSocket ws = RawWebSocket.connect(closing.port, BASE + "/websocket", 0)) {
      String ping = "{\"type\":\"ping\"}";
      ws.send(RawFrame.text(ping), RawFrame.text(ping));
      RawWebSocket.Frame close = ws.awaitFrame(RawFrame.CLOSE, 5);
      assertNotNull(close, "TCP closed without a close frame");
      assertEquals(4003, close.closeCode());
      byte[] p = close.payload();
      assertEquals("rate limit exceeded",
          new String(Arrays.copyOfRange(p, 2, p.length), StandardCharsets.UTF_8));
      ws.send(RawFrame.frame(RawFrame.CLOSE, RawFrame.closePayload(4003, "")));
      assertTrue(ws.awaitTcpClose(5), "connection still open after the close handshake");
    }
  }
}
