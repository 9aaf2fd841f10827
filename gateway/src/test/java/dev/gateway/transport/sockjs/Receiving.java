package dev.gateway.transport.sockjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.transport.sockjs.RawHttp.Head;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The five HTTP receiving transports of SockJS, for rules that hold for each of them (close
 * frames, aborts, heartbeats): start a receiving request, read its frames unwrapped from the
 * transport's framing, and send messages the way a client of that transport does.
 */
enum Receiving {
  XHR_POLLING(false),
  XHR_STREAMING(true),
  EVENTSOURCE(true),
  HTMLFILE(true),
  JSONP(false);

  private static final String CALLBACK = "cb";
  private final boolean streaming;

  Receiving(boolean streaming) {
    this.streaming = streaming;
  }

  /** True when a response carries frames until the session or the byte limit ends it. */
  boolean streaming() {
    return streaming;
  }

  /**
   * Sends the receiving request for {@code session} (a session URL) on a new connection and
   * reads its head (200) and its prelude: the next {@link #next} is the first frame.
   */
  RawHttp start(int port, String session) {
    RawHttp r = RawHttp.open(port);
    try {
      String method = this == XHR_POLLING || this == XHR_STREAMING ? "POST" : "GET";
      r.send(method, session + path(), Map.of(), null);
      return r;
    } catch (RuntimeException | Error e) {
      r.close();
      throw e;
    }
  }

  /** Reads the head of a request {@link #start}ed earlier (a held poll's answer, say). */
  Head head(RawHttp r) {
    Head h = r.head();
    assertEquals(200, h.status(), this + ": " + h);
    switch (this) {
      case XHR_STREAMING -> assertEquals("h".repeat(2048) + "\n", r.until("\n"), "prelude");
      case EVENTSOURCE -> assertEquals("\r\n", r.until("\r\n"), "prelude");
      default -> {
        // htmlfile's head comes with its first frame; polling has none
      }
    }
    return h;
  }

  /** {@link #start} and {@link #head} at once. */
  RawHttp open(int port, String session) {
    RawHttp r = start(port, session);
    head(r);
    return r;
  }

  /** The next frame ({@code o}, {@code h}, {@code a[...]}, {@code c[...]}) without its wrapping. */
  String next(RawHttp r) {
    switch (this) {
      case XHR_POLLING -> {
        String body = r.body();
        assertTrue(body.endsWith("\n"), "not a newline-ended frame: " + RawHttp.printable(body));
        return body.substring(0, body.length() - 1);
      }
      case XHR_STREAMING -> {
        String line = r.until("\n");
        assertNotNull(line, "the response ended");
        return line.substring(0, line.length() - 1);
      }
      case EVENTSOURCE -> {
        return EventSourceTest.data(r.until("\r\n\r\n"));
      }
      case HTMLFILE -> {
        String text = r.until(HtmlFileTest.END);
        assertNotNull(text, "the response ended");
        int script = text.lastIndexOf("<script>\np(");
        if (script > 0) {
          assertTrue(text.startsWith(HtmlFileTest.HEAD.formatted(CALLBACK)), text);
        }
        return HtmlFileTest.frame(text.substring(script));
      }
      case JSONP -> {
        return JsonpTest.frame(CALLBACK, r.body());
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Sends a payload (a JSON array of messages) to the session as this transport's client does. */
  void send(int port, String session, String payload) {
    if (this == JSONP) {
      Response r = RawHttp.exchange(port, "POST", session + "/jsonp_send",
          Map.of("Content-Type", "application/x-www-form-urlencoded"),
          "d=" + URLEncoder.encode(payload, StandardCharsets.UTF_8));
      assertEquals(200, r.status(), r.toString());
      assertEquals("ok", r.body());
    } else {
      Conformance.xhrSend(port, session, payload);
    }
  }

  private String path() {
    return switch (this) {
      case XHR_POLLING -> "/xhr";
      case XHR_STREAMING -> "/xhr_streaming";
      case EVENTSOURCE -> "/eventsource";
      case HTMLFILE -> "/htmlfile?c=" + CALLBACK;
      case JSONP -> "/jsonp?c=" + CALLBACK;
    };
  }
}
