package dev.gateway.transport;

import static dev.gateway.support.RawFrame.CLOSE;
import static dev.gateway.support.RawFrame.closePayload;
import static dev.gateway.support.RawFrame.frame;
import static dev.gateway.support.RawFrame.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The closing handshake on {@code /ws} (RFC 6455 sections 5.5.1, 7.4): valid and invalid close frames. */
class RawCloseFrameTest extends RawFrameTestBase {

  @Test
  void closeWithOneBytePayloadIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, new byte[] {0x03}));
      assertClosedWith(ws, 1002);
    }
  }

  /**
   * Codes a peer must never send (RFC 6455 7.4.1/7.4.2: 0-999 unused, 1004-1006 and 1015
   * reserved or never on the wire, 1016-2999 reserved for the protocol): the receiver fails the
   * connection with 1002 (Autobahn cases 7.9.x).
   */
  @ParameterizedTest(name = "close code {0}")
  @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999})
  void closeWithInvalidCodeIs1002(int code) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, closePayload(code, "")));
      assertClosedWith(ws, 1002);
    }
  }

  /**
   * Codes above 4999 lie outside every range RFC 6455 7.4.2 defines (Autobahn 7.13.x treats them
   * as informational). Netty's decoder accepts them (WebSocketCloseStatus.isValidStatusCode:
   * {@code code >= 3000}, and it reads the code as a signed short so 32768-65535 look negative and
   * pass too) and Vert.x echoes the code before the application sees the frame, so the gateway
   * cannot answer 1002 here. Asserted: the connection is still closed cleanly (a close frame,
   * then TCP ends) and nothing else is affected.
   */
  @ParameterizedTest(name = "close code {0}")
  @ValueSource(ints = {5000, 65535})
  void closeWithCodeAbove4999EndsConnection(int code) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, closePayload(code, "")));
      assertNotNull(ws.awaitFrame(CLOSE, 5), "TCP closed without a close frame");
      assertTrue(ws.awaitTcpClose(5), "server kept the TCP connection after the closing handshake");
    }
  }

  /** A valid code is answered by the server's close frame echoing it, then TCP ends. */
  @ParameterizedTest(name = "close code {0}")
  @ValueSource(ints = {1000, 1001, 3000, 4999})
  void closeWithValidCodeIsEchoed(int code) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, closePayload(code, "bye")));
      RawWebSocket.Frame reply = ws.awaitFrame(CLOSE, 5);
      assertNotNull(reply, "TCP closed without a close frame");
      assertEquals(code, reply.closeCode(), "echoed close code");
      assertTrue(ws.awaitTcpClose(5), "server kept the TCP connection after the closing handshake");
    }
  }

  /** An empty close frame (no status) is valid: the server answers with a close frame. */
  @Test
  void emptyCloseIsAnsweredWithClose() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, new byte[0]));
      RawWebSocket.Frame reply = ws.awaitFrame(CLOSE, 5);
      assertNotNull(reply, "TCP closed without a close frame");
      assertTrue(reply.closeCode() == -1 || reply.closeCode() == 1000,
          "reply to a close without status: " + reply.closeCode());
      assertTrue(ws.awaitTcpClose(5), "server kept the TCP connection after the closing handshake");
    }
  }

  /**
   * A close reason that is not UTF-8 fails the connection (RFC 6455 5.5.1 / 8.1). The RFC leaves
   * the code to the endpoint: 1007 (invalid payload data) or 1002 are both reasonable.
   */
  @Test
  void closeWithInvalidUtf8ReasonFailsConnection() {
    byte[] payload = {0x03, (byte) 0xE8, (byte) 0xCE, (byte) 0xBA, (byte) 0xE1, (byte) 0xBD, (byte) 0xB9,
        (byte) 0xCF, (byte) 0x83, (byte) 0xCE, (byte) 0xBC, (byte) 0xCE, (byte) 0xB5, (byte) 0xED,
        (byte) 0xA0, (byte) 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64};
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CLOSE, payload));
      int code = ws.awaitCloseCode(5);
      assertTrue(code == 1007 || code == 1002, "close code for a non-UTF-8 reason: " + code);
      assertTrue(ws.awaitTcpClose(5), "server did not close the TCP connection");
    }
  }

  /** Data sent after the client's close frame is ignored (the message is never processed). */
  @Test
  void dataAfterCloseIsIgnored() {
    try (BridgeClient sub = gw.connect().register("chat.afterclose");
         RawWebSocket ws = raw()) {
      String publish = new JsonObject().put("type", "publish").put("address", "chat.afterclose")
          .put("body", "late").encode();
      ws.write(RawFrame.concat(frame(CLOSE, closePayload(1000, "")).bytes(), text(publish).bytes()));
      RawWebSocket.Frame reply = ws.awaitFrame(CLOSE, 5);
      assertNotNull(reply, "TCP closed without a close frame");
      assertEquals(1000, reply.closeCode());
      assertNothingBeforeMarker(sub, "chat.afterclose");
    }
  }
}
