package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SockJS JSON unicode encoding (reference class JSONEncoding). Browsers mangle some characters
 * on some transports, so the server escapes them in every frame (control characters,
 * U+200C-U+200F, U+2028-U+202F, U+2060-U+206F, U+FFF0-U+FFFF, as {@code \\uxxxx}), and it
 * decodes whatever the client escapes. Here the messages are bridge JSON: the characters travel
 * in a message's body, and come back in the echo's reply.
 */
class JsonEncodingTest {

  /** What the server must escape (the reference's escapable_by_server). */
  private static final Pattern BY_SERVER =
      Pattern.compile("[\\x00-\\x1f\\u200c-\\u200f\\u2028-\\u202f\\u2060-\\u206f\\ufff0-\\uffff]");

  /** What sockjs-client escapes (the reference's escapable_by_client), verbatim. */
  private static final Pattern BY_CLIENT = Pattern.compile("[\\\\\"\\x00-\\x1f\\x7f-\\x9f\\u00ad"
      + "\\u0600-\\u0604\\u070f\\u17b4\\u17b5\\u2000-\\u20ff\\ufeff\\ufff0-\\uffff\\x00-\\x1f\\ufffe"
      + "\\uffff\\u0300-\\u0333\\u033d-\\u0346\\u034a-\\u034c\\u0350-\\u0352\\u0357-\\u0358"
      + "\\u035c-\\u0362\\u0374\\u037e\\u0387\\u0591-\\u05af\\u05c4\\u0610-\\u0617\\u0653-\\u0654"
      + "\\u0657-\\u065b\\u065d-\\u065e\\u06df-\\u06e2\\u06eb-\\u06ec\\u0730\\u0732-\\u0733"
      + "\\u0735-\\u0736\\u073a\\u073d\\u073f-\\u0741\\u0743\\u0745\\u0747\\u07eb-\\u07f1\\u0951"
      + "\\u0958-\\u095f\\u09dc-\\u09dd\\u09df\\u0a33\\u0a36\\u0a59-\\u0a5b\\u0a5e\\u0b5c-\\u0b5d"
      + "\\u0e38-\\u0e39\\u0f43\\u0f4d\\u0f52\\u0f57\\u0f5c\\u0f69\\u0f72-\\u0f76\\u0f78"
      + "\\u0f80-\\u0f83\\u0f93\\u0f9d\\u0fa2\\u0fa7\\u0fac\\u0fb9\\u1939-\\u193a\\u1a17\\u1b6b"
      + "\\u1cda-\\u1cdb\\u1dc0-\\u1dcf\\u1dfc\\u1dfe\\u1f71\\u1f73\\u1f75\\u1f77\\u1f79\\u1f7b"
      + "\\u1f7d\\u1fbb\\u1fbe\\u1fc9\\u1fcb\\u1fd3\\u1fdb\\u1fe3\\u1feb\\u1fee-\\u1fef\\u1ff9"
      + "\\u1ffb\\u1ffd\\u2000-\\u2001\\u20d0-\\u20d1\\u20d4-\\u20d7\\u20e7-\\u20e9\\u2126"
      + "\\u212a-\\u212b\\u2329-\\u232a\\u2adc\\u302b-\\u302c\\uaab2-\\uaab3\\uf900-\\ufa0d\\ufa10"
      + "\\ufa12\\ufa15-\\ufa1e\\ufa20\\ufa22\\ufa25-\\ufa26\\ufa2a-\\ufa2d\\ufa30-\\ufa6d"
      + "\\ufa70-\\ufad9\\ufb1d\\ufb1f\\ufb2a-\\ufb36\\ufb38-\\ufb3c\\ufb3e\\ufb40-\\ufb41"
      + "\\ufb43-\\ufb44\\ufb46-\\ufb4e]");

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  /**
   * The server escapes at least what it must, on every HTTP transport: the reference's killer
   * characters from U+00FF up arrive as exactly its escape sequence, no character it must escape
   * arrives raw, and the message decodes to what was sent.
   */
  @ParameterizedTest
  @EnumSource(Receiving.class)
  void serverEscapesWhatBrowsersMangle(Receiving t) {
    String url = Conformance.session();
    try (RawHttp open = t.open(gateway.port, url)) {
      assertEquals("o", t.next(open));
      t.send(gateway.port, url, payload(echo("r", killers(0))));
      try (RawHttp r = t.streaming() ? open : t.open(gateway.port, url)) {
        String frame = t.next(r);
        assertEscaped(frame);
        assertTrue(frame.contains(escaped(killers(255))), "not escaped as the reference expects: "
            + frame);
        assertEquals(killers(0), echoed(frame, "r"));
      }
    }
  }

  @Test
  void serverEscapesOnTheWebSocketToo() {
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, Conformance.session() + "/websocket", 0)) {
      assertEquals("o", ws.readText(5));
      ws.send(RawFrame.text(payload(echo("r", killers(0)))));
      String frame = ws.readText(5);
      assertEscaped(frame);
      assertTrue(frame.contains(escaped(killers(255))), frame);
      assertEquals(killers(0), echoed(frame, "r"));
    }
  }

  /** What sockjs-client escapes in what it sends is decoded by the server. */
  @Test
  void serverDecodesWhatTheClientEscapes() {
    StringBuilder all = new StringBuilder();
    for (int c = 0; c < 65536; c++) {
      if (!Character.isSurrogate((char) c) && BY_CLIENT.matcher(String.valueOf((char) c)).matches()) {
        all.append((char) c);
      }
    }
    String body = all.toString();
    String url = Conformance.session();
    assertEquals("o\n", Conformance.poll(gateway.port, url));
    // as sockjs-client: the message (bridge JSON) is a JSON string, with its escapes on top
    String sent = "[\"" + clientEscape(echo("r", body)) + "\"]";
    Conformance.xhrSend(gateway.port, url, sent);
    assertEquals(body, echoed(Conformance.poll(gateway.port, url).strip(), "r"));
  }

  /** Every character the server must escape, from {@code from} up. */
  static String killers(int from) {
    StringBuilder sb = new StringBuilder();
    for (int c = from; c < 65536; c++) {
      if (BY_SERVER.matcher(String.valueOf((char) c)).matches()) {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /** The escape sequence the reference expects for each character: {@code \\uxxxx}, lower case. */
  static String escaped(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(String.format("\\u%04x", (int) c));
    }
    return sb.toString();
  }

  /** No character the server must escape appears raw in the frame. */
  static void assertEscaped(String frame) {
    for (char c : frame.toCharArray()) {
      assertTrue(!BY_SERVER.matcher(String.valueOf(c)).matches(),
          String.format("U+%04X raw in the frame", (int) c));
    }
  }

  /** A JSON string's content as sockjs-client writes it: its escapable characters as \\uxxxx. */
  static String clientEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(BY_CLIENT.matcher(String.valueOf(c)).matches() ? String.format("\\u%04x", (int) c)
          : String.valueOf(c));
    }
    return sb.toString();
  }
}
