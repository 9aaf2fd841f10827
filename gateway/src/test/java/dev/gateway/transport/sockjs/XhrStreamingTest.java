package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.ORIGIN;
import static dev.gateway.transport.sockjs.Conformance.STREAMING_LIMIT;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
import static dev.gateway.transport.sockjs.Conformance.assertCors;
import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static dev.gateway.transport.sockjs.Conformance.assertNotCached;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static dev.gateway.transport.sockjs.Conformance.xhrSend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 xhr-streaming, {@code POST /*\/*\/xhr_streaming} (reference class XhrStreaming,
 * with HandlingClose.test_close_request): the 2 KiB prelude, newline-delimited frames, the end
 * of the response at the streaming byte limit, and one receiver at a time.
 */
class XhrStreamingTest {

  private static final String PRELUDE = "h".repeat(2048) + "\n";

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
      Head h = r.send("POST", url + "/xhr_streaming", Conformance.fromOrigin(), null).head();
      assertEquals(200, h.status(), h.toString());
      assertContentType(h, "application/javascript;charset=UTF-8");
      assertCors(h, ORIGIN);
      assertNotCached(h);
      assertNoCookie(h);
      assertNull(h.header("content-length"), h.toString());

      // old browsers deliver nothing before 2 KiB arrived
      assertEquals(PRELUDE, r.until("\n"));
      assertEquals("o\n", r.until("\n"));

      xhrSend(gateway.port, url, payload(echo("r", "x")));
      String frame = r.until("\n");
      assertEquals("x", echoed(frame.strip(), "r"));
    }
  }

  /**
   * The browser keeps everything a streaming response brought: the response ends once it
   * carried {@code maxBytesStreaming} bytes of frames (4096 here, as the reference's test
   * server), counted from the open frame, and not before.
   */
  @Test
  void responseEndsAtTheStreamingByteLimit() {
    String url = Conformance.session();
    String body = "x".repeat(128);
    try (RawHttp r = RawHttp.open(gateway.port)) {
      assertEquals(200, r.send("POST", url + "/xhr_streaming", Map.of(), null).head().status());
      assertEquals(PRELUDE, r.until("\n"));
      int sent = "o\n".getBytes(StandardCharsets.UTF_8).length;
      assertEquals("o\n", r.until("\n"));
      int messages = 0;
      while (sent < STREAMING_LIMIT) {
        xhrSend(gateway.port, url, payload(echo("r", body)));
        String frame = r.until("\n");
        assertNotNull(frame, "the response ended after " + sent + " bytes, before the limit");
        assertEquals(body, echoed(frame.strip(), "r"));
        sent += frame.getBytes(StandardCharsets.UTF_8).length;
        messages++;
      }
      assertTrue(messages > 10, "only " + messages + " messages before the limit");
      assertTrue(r.bodyEnds(5_000), "still open after " + sent + " bytes");
    }
    // the session outlives its response: the client's next request goes on where it ended
    xhrSend(gateway.port, url, payload(echo("r", "next")));
    try (RawHttp next = RawHttp.open(gateway.port)) {
      assertEquals(200, next.send("POST", url + "/xhr_streaming", Map.of(), null).head().status());
      assertEquals(PRELUDE, next.until("\n"));
      assertEquals("next", echoed(next.until("\n").strip(), "r"), "no new open frame, no loss");
    }
  }

  /** HandlingClose.test_close_request, and the first receiver is never detached by a second. */
  @Test
  void secondConcurrentStreamGets2010AndTheFirstKeepsWorking() {
    String url = Conformance.session();
    try (RawHttp first = RawHttp.open(gateway.port)) {
      first.send("POST", url + "/xhr_streaming", Map.of(), null).head();
      assertEquals(PRELUDE, first.until("\n"));
      assertEquals("o\n", first.until("\n"));

      try (RawHttp second = RawHttp.open(gateway.port)) {
        assertEquals(200, second.send("POST", url + "/xhr_streaming", Map.of(), null).head().status());
        assertEquals(PRELUDE, second.until("\n"));
        assertEquals("c[2010,\"Another connection still open\"]\n", second.until("\n"));
        assertTrue(second.bodyEnds(5_000), "the refused stream stays open");
      }

      xhrSend(gateway.port, url, payload(echo("r", "still here")));
      assertEquals("still here", echoed(first.until("\n").strip(), "r"));
    }
  }
}
