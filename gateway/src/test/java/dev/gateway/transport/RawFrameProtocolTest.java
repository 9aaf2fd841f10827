package dev.gateway.transport;

import static dev.gateway.support.RawFrame.BINARY;
import static dev.gateway.support.RawFrame.CLOSE;
import static dev.gateway.support.RawFrame.CONT;
import static dev.gateway.support.RawFrame.PING;
import static dev.gateway.support.RawFrame.PONG;
import static dev.gateway.support.RawFrame.TEXT;
import static dev.gateway.support.RawFrame.concat;
import static dev.gateway.support.RawFrame.frame;
import static dev.gateway.support.RawFrame.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Framing violations on {@code /ws} (RFC 6455 section 5): each must fail the connection with
 * the right close code, and must not disturb other connections.
 */
class RawFrameProtocolTest extends RawFrameTestBase {

  private static final byte[] PING_JSON = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void unmaskedClientFrameIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(text("{\"type\":\"ping\"}").unmasked());
      assertClosedWith(ws, 1002);
    }
  }

  /** 4 = RSV1, 2 = RSV2, 1 = RSV3; no extension is negotiated (permessage-deflate is off). */
  @ParameterizedTest(name = "RSV bits {0}")
  @ValueSource(ints = {4, 2, 1})
  void reservedBitWithoutExtensionIs1002(int rsv) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, PING_JSON).rsv(rsv));
      assertClosedWith(ws, 1002);
    }
  }

  @ParameterizedTest(name = "opcode 0x{0}")
  @ValueSource(ints = {3, 4, 5, 6, 7})
  void reservedDataOpcodeIs1002(int opcode) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(opcode, PING_JSON));
      assertClosedWith(ws, 1002);
    }
  }

  @ParameterizedTest(name = "opcode 0x{0}")
  @ValueSource(ints = {0xB, 0xC, 0xD, 0xE, 0xF})
  void reservedControlOpcodeIs1002(int opcode) {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(opcode, new byte[] {1, 2}));
      assertClosedWith(ws, 1002);
    }
  }

  @Test
  void fragmentedPingIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(PING, new byte[] {1, 2, 3}).fin(false));
      assertClosedWith(ws, 1002);
    }
  }

  @Test
  void pingWith126BytePayloadIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(PING, new byte[126]));
      assertClosedWith(ws, 1002);
    }
  }

  @Test
  void continuationWithoutStartIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(CONT, PING_JSON));
      assertClosedWith(ws, 1002);
    }
  }

  /**
   * The fragment and the offending frame arrive in one TCP segment (one server read). RFC 6455
   * 7.1.7: an endpoint failing an established connection SHOULD send a Close frame first; the
   * gateway's exception handler promises 1002 for every frame-level violation.
   */
  @Test
  void newTextFrameInsideFragmentedMessageIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(text("{\"type\":").fin(false).bytes(), text("{\"type\":\"ping\"}").bytes()));
      assertClosedWith(ws, 1002);
    }
  }

  /** As above, but the server has finished reading the fragment (pong seen) before the new frame. */
  @Test
  void newTextFrameInsideFragmentedMessageInLaterReadIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(text("{\"type\":").fin(false).bytes(), frame(PING, new byte[] {1}).bytes()));
      assertNotNull(ws.awaitFrame(PONG, 5), "no pong");
      ws.send(text("{\"type\":\"ping\"}"));
      assertClosedWith(ws, 1002);
    }
  }

  /** A valid message then a frame-level violation (RSV1) in the same TCP segment: still 1002. */
  @Test
  void violationAfterValidFrameInSameSegmentIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(text("{\"type\":\"ping\"}").bytes(), frame(TEXT, PING_JSON).rsv(4).bytes()));
      assertClosedWith(ws, 1002);
    }
  }

  @Test
  void newBinaryFrameInsideFragmentedTextMessageIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(text("{\"type\":").fin(false).bytes(), frame(BINARY, new byte[] {1}).bytes()));
      assertClosedWith(ws, 1002);
    }
  }

  /** The gateway speaks text only: a binary frame closes with 1003 at once, nothing answered before. */
  @Test
  void binaryFrameIs1003() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(BINARY, PING_JSON));
      RawWebSocket.Frame next = ws.poll(5_000);
      assertNotNull(next, "a binary frame did not close the connection");
      assertEquals(CLOSE, next.opcode(), "a frame before the close: " + next);
      assertClosedWith(ws, next, 1003);
    }
  }

  @Test
  void fragmentedBinaryMessageIs1003() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(frame(BINARY, new byte[] {1, 2}).fin(false).bytes(),
          frame(CONT, new byte[] {3, 4}).bytes()));
      assertClosedWith(ws, 1003);
    }
  }

  @Test
  void pingGetsPongWithSamePayload() {
    byte[] payload = "are you there? \u00e9".getBytes(StandardCharsets.UTF_8);
    try (RawWebSocket ws = raw()) {
      ws.send(frame(PING, payload));
      RawWebSocket.Frame pong = ws.awaitFrame(PONG, 5);
      assertNotNull(pong, "connection ended instead of a pong");
      assertArrayEquals(payload, pong.payload());
      // still open and speaking the protocol
      assertRegisterAcked(ws, "chat.after-ping");
    }
  }

  @Test
  void pingWithMaximalPayloadGetsPong() {
    byte[] payload = new byte[125];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    try (RawWebSocket ws = raw()) {
      ws.send(frame(PING, payload));
      RawWebSocket.Frame pong = ws.awaitFrame(PONG, 5);
      assertNotNull(pong, "connection ended instead of a pong");
      assertArrayEquals(payload, pong.payload());
    }
  }

  @Test
  void pingInsideFragmentedMessageIsAnsweredAndMessageStillProcessed() {
    try (BridgeClient sub = gw.connect().register("chat.interleaved");
         RawWebSocket ws = raw()) {
      String msg = new JsonObject().put("type", "publish").put("address", "chat.interleaved")
          .put("body", new JsonObject().put("n", 7)).encode();
      int cut = msg.length() / 2;
      ws.write(concat(text(msg.substring(0, cut)).fin(false).bytes(),
          frame(PING, new byte[] {9, 8, 7}).bytes(),
          frame(CONT, msg.substring(cut).getBytes(StandardCharsets.UTF_8)).bytes()));
      RawWebSocket.Frame pong = ws.awaitFrame(PONG, 5);
      assertNotNull(pong, "connection ended instead of a pong");
      assertArrayEquals(new byte[] {9, 8, 7}, pong.payload());
      JsonObject rec = sub.awaitRec("chat.interleaved", 5);
      assertNotNull(rec, "fragmented message with an interleaved ping was not processed");
      assertEquals(7, rec.getJsonObject("body").getInteger("n"));
    }
  }

  @Test
  void unsolicitedPongIsIgnored() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(PONG, new byte[] {1}));
      assertRegisterAcked(ws, "chat.after-pong");
    }
  }

  /**
   * Bytes that are not a frame ("garbage": 'g' = 0x67 reads as FIN=0, RSV1+RSV2 set) before an
   * otherwise valid publish: the connection fails with 1002 and the publish is never processed.
   */
  @Test
  void garbageBeforeValidFrameIs1002AndFrameNotProcessed() {
    try (BridgeClient sub = gw.connect().register("chat.garbage");
         RawWebSocket ws = raw()) {
      byte[] garbage = "garbage!".repeat(512).getBytes(StandardCharsets.US_ASCII);
      String publish = new JsonObject().put("type", "publish").put("address", "chat.garbage")
          .put("body", "smuggled").encode();
      ws.write(concat(garbage, text(publish).bytes()));
      assertClosedWith(ws, 1002);
      assertNothingBeforeMarker(sub, "chat.garbage");
    }
  }
}
