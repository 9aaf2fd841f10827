package dev.gateway.transport;

import static dev.gateway.support.RawFrame.CONT;
import static dev.gateway.support.RawFrame.TEXT;
import static dev.gateway.support.RawFrame.concat;
import static dev.gateway.support.RawFrame.frame;
import static dev.gateway.support.RawFrame.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Text frames must carry valid UTF-8 (RFC 6455 8.1): invalid sequences fail the connection with
 * 1007, also when split across fragments; valid multi-byte characters split across fragments are
 * reassembled intact.
 */
class RawFrameUtf8Test extends RawFrameTestBase {

  /**
   * Invalid UTF-8 inside a JSON string of an otherwise valid publish: overlong '/' (C0 AF), lone
   * high surrogate (ED A0 80), a 0xFF byte, a truncated 3-byte sequence (E2 82), a code point
   * above U+10FFFF (F4 90 80 80), an overlong 3-byte NUL (E0 80 80).
   */
  @ParameterizedTest(name = "bytes {0}")
  @ValueSource(strings = {"c0af", "eda080", "ff", "e282", "f4908080", "e08080"})
  void invalidUtf8Is1007AndNotProcessed(String hex) {
    try (BridgeClient sub = gw.connect().register("chat.utf8");
         RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, publishWith(HexFormat.of().parseHex(hex))));
      assertClosedWith(ws, 1007);
      assertNothingBeforeMarker(sub, "chat.utf8");
    }
  }

  /** A message ending in a truncated sequence (E2 82 at the very end of the payload). */
  @Test
  void truncatedSequenceAtEndOfMessageIs1007() {
    byte[] payload = concat(prefix("chat.utf8"), new byte[] {(byte) 0xE2, (byte) 0x82});
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, payload));
      assertClosedWith(ws, 1007);
    }
  }

  /** Each fragment alone is fine; the reassembled message holds ED A0 80 (a surrogate). */
  @Test
  void invalidUtf8SplitAcrossFragmentsIs1007() {
    byte[] message = publishWith(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
    int cut = prefix("chat.utf8").length + 1; // between ED and A0
    try (RawWebSocket ws = raw()) {
      ws.write(concat(frame(TEXT, Arrays.copyOfRange(message, 0, cut)).fin(false).bytes(),
          frame(CONT, Arrays.copyOfRange(message, cut, message.length)).bytes()));
      assertClosedWith(ws, 1007);
    }
  }

  /** Invalid bytes in the first fragment are caught even though later fragments are valid. */
  @Test
  void invalidUtf8InFirstOfThreeFragmentsIs1007() {
    try (RawWebSocket ws = raw()) {
      ws.write(concat(frame(TEXT, new byte[] {'{', (byte) 0xFF}).fin(false).bytes(),
          frame(CONT, "\"a\":".getBytes(StandardCharsets.UTF_8)).fin(false).bytes(),
          frame(CONT, "1}".getBytes(StandardCharsets.UTF_8)).bytes()));
      assertClosedWith(ws, 1007);
    }
  }

  /** "é€😀" (2, 3 and 4 bytes) cut inside every character, one fragment per piece. */
  @Test
  void validMultiByteCharactersSplitAcrossFragmentsArriveIntact() {
    String body = "é€😀";
    byte[] m = publishWith("chat.utf8ok", body.getBytes(StandardCharsets.UTF_8));
    int start = prefix("chat.utf8ok").length;
    // é = C3 A9, € = E2 82 AC, 😀 = F0 9F 98 80: cut after C3, after E2 82, after F0, after F0 9F 98
    int[] cuts = {start + 1, start + 4, start + 6, start + 7, start + 9, m.length};
    byte[] out = new byte[0];
    int from = 0;
    for (int i = 0; i < cuts.length; i++) {
      out = concat(out, frame(i == 0 ? TEXT : CONT, Arrays.copyOfRange(m, from, cuts[i]))
          .fin(i == cuts.length - 1).bytes());
      from = cuts[i];
    }
    try (BridgeClient sub = gw.connect().register("chat.utf8ok");
         RawWebSocket ws = raw()) {
      ws.write(out);
      JsonObject rec = sub.awaitRec("chat.utf8ok", 5);
      assertNotNull(rec, "a valid message split inside multi-byte characters was not processed");
      assertEquals(body, rec.getString("body"));
    }
  }

  /** An empty text message is not JSON: err invalid_json, and the connection stays usable. */
  @Test
  void emptyTextFrameGetsInvalidJsonAndConnectionStays() {
    try (RawWebSocket ws = raw()) {
      ws.send(frame(TEXT, new byte[0]));
      JsonObject err = new JsonObject(ws.awaitText(5));
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals("invalid_json", err.getString("body"), err.encode());
      assertRegisterAcked(ws, "chat.after-empty");
    }
  }

  /** A publish to chat.utf8 whose body string holds these raw bytes. */
  private static byte[] publishWith(byte[] bodyBytes) {
    return publishWith("chat.utf8", bodyBytes);
  }

  private static byte[] publishWith(String address, byte[] bodyBytes) {
    return concat(prefix(address), bodyBytes, "\"}".getBytes(StandardCharsets.UTF_8));
  }

  /** The bytes of a publish to the address up to the opening quote of its body string. */
  private static byte[] prefix(String address) {
    return ("{\"type\":\"publish\",\"address\":\"" + address + "\",\"body\":\"")
        .getBytes(StandardCharsets.UTF_8);
  }
}
