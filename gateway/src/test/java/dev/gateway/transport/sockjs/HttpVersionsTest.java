package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.CLOSE_FRAME;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.0 and HTTP/1.1 message framing and keep-alive (reference classes Http10 and Http11), on
 * the greeting and on a streaming response, plus what a keep-alive client (a browser's pooled
 * connection) needs of every response: after a poll, a send and a streaming response that ended
 * (at the byte limit or with the session), the connection either takes the next request or was
 * announced as closing with {@code Connection: close}.
 */
class HttpVersionsTest {

  private static final Map<String, String> KEEP_ALIVE = Map.of("Connection", "Keep-Alive");
  private static final String GREETING = "Welcome to SockJS!\n";

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
  void http10Greeting() {
    try (RawHttp c = RawHttp.open(gateway.port)) {
      Head h = c.send("GET", BASE, "1.0", KEEP_ALIVE, null).head();
      assertEquals(200, h.status(), h.toString());
      assertTrue(List.of("1.0", "1.1").contains(h.version()), h.toString());
      assertNull(h.header("transfer-encoding"), "Transfer-Encoding on HTTP/1.0: " + h);
      String connection = lower(h.header("connection"));
      if (h.header("content-length") == null) {
        assertEquals("close", connection, h.toString());
        assertEquals(GREETING, c.body());
        assertTrue(c.tcpEnded(), "not closed");
      } else {
        assertEquals("19", h.header("content-length"));
        assertEquals(GREETING, c.bytes(19));
        if (connection.equals("close") || connection.isEmpty()) {
          assertTrue(c.tcpCloses(5_000), "HTTP/1.0 without keep-alive: the connection stays open");
        } else {
          assertEquals("keep-alive", connection, h.toString());
          Head again = c.send("GET", BASE, "1.0", KEEP_ALIVE, null).head();
          assertEquals(200, again.status(), "second request on the kept-alive connection");
          assertEquals(GREETING, c.body());
        }
      }
    }
  }

  /** No length is known: no Content-Length and, on HTTP/1.0, no chunking: the end is EOF. */
  @Test
  void http10Streaming() {
    String url = Conformance.session();
    try (RawHttp c = RawHttp.open(closing.port)) {
      Head h = c.send("POST", url + "/xhr_streaming", "1.0", KEEP_ALIVE, null).head();
      assertEquals(200, h.status(), h.toString());
      assertNull(h.header("transfer-encoding"), "Transfer-Encoding on HTTP/1.0: " + h);
      assertNull(h.header("content-length"), h.toString());
      assertEquals('h', c.bytes(2048 + 1).charAt(0));
      assertEquals("o\n", c.bytes(2));
      Conformance.xhrSend(closing.port, url, Conformance.closeTrigger());
      assertEquals(CLOSE_FRAME + "\n", c.bytes(CLOSE_FRAME.length() + 1));
      assertTrue(c.bodyEnds(5_000), "the HTTP/1.0 stream stays open after the close frame");
      assertTrue(c.tcpEnded(), "an HTTP/1.0 stream without a length must end with the connection");
    }
  }

  @Test
  void http11GreetingKeepsTheConnection() {
    try (RawHttp c = RawHttp.open(gateway.port)) {
      Head h = c.send("GET", BASE, "1.1", KEEP_ALIVE, null).head();
      assertEquals("1.1", h.version());
      assertTrue(List.of("keep-alive", "").contains(lower(h.header("connection"))),
          "no keep-alive: " + h);
      if (h.header("content-length") != null) {
        assertEquals("19", h.header("content-length"));
        assertNull(h.header("transfer-encoding"), h.toString());
        assertEquals(GREETING, c.bytes(19));
      } else {
        assertEquals("chunked", lower(h.header("transfer-encoding")), h.toString());
        assertEquals(GREETING, c.chunk());
        assertEquals("", c.chunk());
      }
      assertEquals(200, c.send("GET", BASE, "1.1", KEEP_ALIVE, null).head().status(),
          "second request on the same connection");
      assertEquals(GREETING, c.body());
    }
  }

  /** Chunked, no Content-Length, one chunk per frame, the last chunk after the close frame. */
  @Test
  void http11StreamingIsChunkedAndEndsWithTheSession() {
    String url = Conformance.session();
    try (RawHttp c = RawHttp.open(closing.port)) {
      Head h = c.send("POST", url + "/xhr_streaming", "1.1", KEEP_ALIVE, null).head();
      assertEquals(200, h.status(), h.toString());
      assertEquals("chunked", lower(h.header("transfer-encoding")), h.toString());
      assertNull(h.header("content-length"), h.toString());
      assertEquals('h', c.chunk().charAt(0));
      assertEquals("o\n", c.chunk());
      Conformance.xhrSend(closing.port, url, Conformance.closeTrigger());
      assertEquals(CLOSE_FRAME + "\n", c.chunk());
      assertEquals("", c.chunk(), "the last chunk");
      assertConnectionReusable(c, h, closing.port);
    }
  }

  /** A stream recycled at the byte limit leaves a usable connection (or says it will close). */
  @Test
  void http11StreamEndedAtTheByteLimitLeavesAUsableConnection() {
    String url = Conformance.session();
    try (RawHttp c = RawHttp.open(gateway.port)) {
      Head h = c.send("POST", url + "/xhr_streaming", "1.1", KEEP_ALIVE, null).head();
      assertEquals(200, h.status(), h.toString());
      c.until("\n");
      assertEquals("o\n", c.until("\n"));
      String big = "x".repeat(Conformance.STREAMING_LIMIT);
      Conformance.xhrSend(gateway.port, url, payload(echo("r", big)));
      assertEquals(big, echoed(c.until("\n").strip(), "r"));
      assertTrue(c.bodyEnds(5_000), "the stream did not end at the limit");
      assertConnectionReusable(c, h, gateway.port);
    }
  }

  /** Polls and sends over one kept-alive connection, as a browser's connection pool does. */
  @Test
  void http11PollsAndSendsShareOneConnection() {
    String url = Conformance.session();
    try (RawHttp c = RawHttp.open(gateway.port)) {
      Response open = c.send("POST", url + "/xhr", KEEP_ALIVE, null).response();
      assertEquals("o\n", open.body());
      assertConnectionStaysOpen(open.head());
      for (int i = 0; i < 3; i++) {
        Response sent = c.send("POST", url + "/xhr_send", KEEP_ALIVE,
            payload(echo("r", "m" + i))).response();
        assertEquals(204, sent.status(), sent.toString());
        assertConnectionStaysOpen(sent.head());
        Response polled = c.send("POST", url + "/xhr", KEEP_ALIVE, null).response();
        assertEquals("m" + i, echoed(polled.body().strip(), "r"));
        assertConnectionStaysOpen(polled.head());
      }
    }
  }

  /** After a response ended: the next request works, unless it said {@code Connection: close}. */
  static void assertConnectionReusable(RawHttp c, Head h, int port) {
    if (lower(h.header("connection")).equals("close")) {
      assertTrue(c.tcpCloses(5_000), "Connection: close, yet the connection stays open");
      return;
    }
    assertTrue(!c.tcpCloses(200), "the connection was closed without Connection: close: " + h);
    Head next = c.send("GET", BASE, "1.1", KEEP_ALIVE, null).head();
    assertEquals(200, next.status(), "next request on the same connection");
    assertEquals(GREETING, c.body());
  }

  static void assertConnectionStaysOpen(Head h) {
    assertTrue(!lower(h.header("connection")).equals("close"), "Connection: close on " + h);
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
