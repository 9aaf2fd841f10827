package dev.gateway.transport;

import static dev.gateway.support.RawFrame.CONT;
import static dev.gateway.support.RawFrame.TEXT;
import static dev.gateway.support.RawFrame.frame;
import static dev.gateway.support.RawFrame.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Payload length encodings and the size limits of {@code /ws} (here limits.maxFrameBytes = 1024,
 * limits.maxMessageBytes = 4096): non-minimal lengths fail with 1002, frames or messages above
 * the limits with 1009, and messages right at the limits are accepted.
 */
class RawFrameSizeTest extends RawFrameTestBase {

  private static final byte[] FIVE = "{\"a\"".concat("}").getBytes(StandardCharsets.UTF_8);

  @Test
  void sixteenBitLengthForFiveBytesIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, FIVE).length(RawFrame.Length.SIXTEEN));
      assertClosedWith(ws, 1002);
    }
  }

  @Test
  void sixtyFourBitLengthFor200BytesIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, new byte[200]).length(RawFrame.Length.SIXTY_FOUR));
      assertClosedWith(ws, 1002);
    }
  }

  /** RFC 6455 5.2: the most significant bit of a 64-bit length MUST be 0. */
  @Test
  void sixtyFourBitLengthWithTopBitSetIs1002() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, new byte[0]).declaredLength64(0x8000_0000_0000_0010L));
      assertClosedWith(ws, 1002);
    }
  }

  /** Only the header is sent: the server must refuse on the declared length, not wait for 2^62 bytes. */
  @Test
  void hugeDeclaredLengthIs1009WithoutSendingPayload() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, new byte[0]).declaredLength64(1L << 62));
      assertClosedWith(ws, 1009);
    }
  }

  @Test
  void frameAboveMaxFrameBytesIs1009() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, publishOfSize("chat.size", MAX_FRAME + 1)));
      assertClosedWith(ws, 1009);
    }
  }

  @Test
  void frameOfExactlyMaxFrameBytesIsAccepted() {
    try (BridgeClient sub = gw.connect().register("chat.size1");
         RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, publishOfSize("chat.size1", MAX_FRAME)));
      JsonObject rec = sub.awaitRec("chat.size1", 5);
      assertNotNull(rec, "a frame of exactly maxFrameBytes was not processed");
    }
  }

  /** Five 1000-byte fragments (each under maxFrameBytes) make a 5000-byte message > 4096. */
  @Test
  void messageAboveMaxMessageBytesFromSmallFragmentsIs1009() {
    byte[] message = publishOfSize("chat.size", 5000);
    try (RawWebSocket ws = raw()) {
      ws.write(fragments(message, 1000));
      assertClosedWith(ws, 1009);
    }
  }

  /** Fragments of at most 1000 bytes adding up to exactly maxMessageBytes: processed. */
  @Test
  void messageOfExactlyMaxMessageBytesFromFragmentsIsAccepted() {
    try (BridgeClient sub = gw.connect().register("chat.size2");
         RawWebSocket ws = raw()) {
      byte[] message = publishOfSize("chat.size2", MAX_MESSAGE);
      ws.write(fragments(message, 1000));
      JsonObject rec = sub.awaitRec("chat.size2", 5);
      assertNotNull(rec, "a message of exactly maxMessageBytes was not processed");
      assertEquals(new JsonObject(new String(message, StandardCharsets.UTF_8)).getString("body"),
          rec.getString("body"));
    }
  }

  /** Many empty continuation frames are legal and do not count against the size. */
  @Test
  void emptyFragmentsAreAccepted() {
    try (BridgeClient sub = gw.connect().register("chat.size3");
         RawWebSocket ws = raw()) {
      byte[] message = publishOfSize("chat.size3", 200);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(frame(TEXT, new byte[0]).fin(false).bytes());
      for (int i = 0; i < 50; i++) {
        out.writeBytes(frame(CONT, new byte[0]).fin(false).bytes());
      }
      out.writeBytes(frame(CONT, message).bytes());
      ws.write(out.toByteArray());
      assertNotNull(sub.awaitRec("chat.size3", 5), "a message after empty fragments was not processed");
    }
  }

  /** A JSON publish to {@code address} whose UTF-8 encoding is exactly {@code size} bytes. */
  static byte[] publishOfSize(String address, int size) {
    String empty = new JsonObject().put("type", "publish").put("address", address).put("body", "").encode();
    int pad = size - empty.getBytes(StandardCharsets.UTF_8).length;
    if (pad < 0) {
      throw new IllegalArgumentException("size too small: " + size);
    }
    String json = new JsonObject().put("type", "publish").put("address", address)
        .put("body", "x".repeat(pad)).encode();
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertEquals(size, bytes.length);
    return bytes;
  }

  /** Splits a message into a text frame and continuation frames of at most {@code chunk} bytes. */
  static byte[] fragments(byte[] message, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int off = 0; off < message.length; off += chunk) {
      int end = Math.min(message.length, off + chunk);
      byte[] part = java.util.Arrays.copyOfRange(message, off, end);
      out.writeBytes(frame(off == 0 ? TEXT : CONT, part).fin(end == message.length).bytes());
    }
    return out.toByteArray();
  }
}
