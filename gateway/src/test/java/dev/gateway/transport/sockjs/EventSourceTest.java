package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static dev.gateway.transport.sockjs.Conformance.assertNotCached;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static dev.gateway.transport.sockjs.Conformance.xhrSend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 eventsource, {@code GET /*\/*\/eventsource} (reference class EventSource): the
 * CRLF prelude, one {@code data: } line per frame, no raw control characters in a frame, the end
 * of the response at the streaming byte limit, and one receiver at a time.
 */
class EventSourceTest {

  private static final Pattern EVENT = Pattern.compile("data: ([^\r\n]*)\r\n\r\n");

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void transport() {
    String url = Conformance.session();
    try (RawHttp r = RawHttp.open(gateway.port)) {
      Head h = r.send("GET", url + "/eventsource", Map.of(), null).head();
      assertEquals(200, h.status(), h.toString());
      assertEventStream(h);
      assertNotCached(h); // requested with GET: never cached
      assertNoCookie(h);

      assertEquals("\r\n", r.until("\r\n"), "prelude (for Opera)");
      assertEquals("data: o\r\n\r\n", r.until("\r\n\r\n"));

      xhrSend(gateway.port, url, payload(echo("r", "x")));
      assertEquals("x", echoed(data(r.until("\r\n\r\n")), "r"));
    }
  }

  /**
   * Leading spaces, CR, LF and NUL in a message never reach the event stream raw (they would
   * split or end the event): a frame is one {@code data:} line and the message comes out as sent.
   */
  @Test
  void controlCharactersNeverReachTheStreamRaw() {
    String url = Conformance.session();
    String tricky = "  \u0000\n\r ";
    try (RawHttp r = RawHttp.open(gateway.port)) {
      r.send("GET", url + "/eventsource", Map.of(), null).head();
      r.until("\r\n");
      assertEquals("data: o\r\n\r\n", r.until("\r\n\r\n"));
      xhrSend(gateway.port, url, payload(echo("r", tricky)));
      String event = r.until("\r\n\r\n");
      String frame = data(event);
      for (char c : frame.toCharArray()) {
        assertTrue(c >= 0x20, "raw control character in " + RawHttp.printable(event));
      }
      assertEquals(tricky, echoed(frame, "r"));
    }
  }

  @Test
  void responseEndsAtTheStreamingByteLimit() {
    String url = Conformance.session();
    String big = "x".repeat(Conformance.STREAMING_LIMIT);
    try (RawHttp r = RawHttp.open(gateway.port)) {
      assertEquals(200, r.send("GET", url + "/eventsource", Map.of(), null).head().status());
      r.until("\r\n");
      assertEquals("data: o\r\n\r\n", r.until("\r\n\r\n"));
      xhrSend(gateway.port, url, payload(echo("r", big)));
      assertEquals(big, echoed(data(r.until("\r\n\r\n")), "r"));
      assertTrue(r.bodyEnds(5_000), "still open after more than the limit");
    }
    // the session outlives its response: the client's next request goes on where it ended
    xhrSend(gateway.port, url, payload(echo("r", "next")));
    try (RawHttp next = RawHttp.open(gateway.port)) {
      assertEquals(200, next.send("GET", url + "/eventsource", Map.of(), null).head().status());
      assertEquals("\r\n", next.until("\r\n"));
      assertEquals("next", echoed(data(next.until("\r\n\r\n")), "r"), "no new open frame, no loss");
    }
  }

  @Test
  void secondConcurrentStreamGets2010AndTheFirstKeepsWorking() {
    String url = Conformance.session();
    try (RawHttp first = RawHttp.open(gateway.port)) {
      first.send("GET", url + "/eventsource", Map.of(), null).head();
      first.until("\r\n");
      assertEquals("data: o\r\n\r\n", first.until("\r\n\r\n"));
      try (RawHttp second = RawHttp.open(gateway.port)) {
        assertEquals(200, second.send("GET", url + "/eventsource", Map.of(), null).head().status());
        assertEquals("\r\n", second.until("\r\n"));
        assertEquals("data: c[2010,\"Another connection still open\"]\r\n\r\n",
            second.until("\r\n\r\n"));
        assertTrue(second.bodyEnds(5_000), "the refused stream stays open");
      }
      xhrSend(gateway.port, url, payload(echo("r", "still here")));
      assertEquals("still here", echoed(data(first.until("\r\n\r\n")), "r"));
    }
  }

  /** The frame of one event: exactly one {@code data: } line. */
  static String data(String event) {
    assertNotNull(event, "the stream ended");
    Matcher m = EVENT.matcher(event);
    assertTrue(m.matches(), "not one data line: " + RawHttp.printable(event));
    return m.group(1);
  }

  /**
   * {@code text/event-stream}: the type EventSource requires (a charset parameter, which the
   * HTML standard ignores for event streams, may only say UTF-8).
   */
  static void assertEventStream(Head h) {
    String type = h.header("content-type");
    assertNotNull(type, h.toString());
    String[] parts = type.replace(" ", "").split(";");
    assertEquals("text/event-stream", parts[0], h.toString());
    for (int i = 1; i < parts.length; i++) {
      assertEquals("charset=utf-8", parts[i].toLowerCase(Locale.ROOT), h.toString());
    }
  }
}
