package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
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
import dev.gateway.transport.sockjs.RawHttp.Response;
import io.vertx.core.json.Json;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 htmlfile, {@code GET /*\/*\/htmlfile?c=CALLBACK} (reference class HtmlFile): the
 * page head calling back into the parent, padded past 1 KiB, one script tag per frame, the
 * callback required and validated, the end of the response at the streaming byte limit, and one
 * receiver at a time.
 */
class HtmlFileTest {

  static final String HEAD = """
      <!doctype html>
      <html><head>
        <meta http-equiv="X-UA-Compatible" content="IE=edge" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
      </head><body><h2>Don't panic!</h2>
        <script>
          document.domain = document.domain;
          var c = parent.%s;
          c.start();
          function p(d) {c.message(d);};
          window.onload = function() {c.stop();};
        </script>""";
  /** How every frame ends (the head never has it: its script end is indented). */
  static final String END = "\n</script>\r\n";
  private static final String OPEN = "<script>\np(\"o\");\n</script>\r\n";
  private static final Pattern SCRIPT = Pattern.compile("<script>\np\\((\"[^\r\n]*\")\\);\n</script>\r\n");

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
      Head h = r.send("GET", url + "/htmlfile?c=%63allback", Map.of(), null).head();
      assertEquals(200, h.status(), h.toString());
      assertContentType(h, "text/html;charset=UTF-8");
      assertNotCached(h);
      assertNoCookie(h);

      assertOpened(r, "callback");
      xhrSend(gateway.port, url, payload(echo("r", "x")));
      assertEquals("x", echoed(frame(r.until(END)), "r"));
    }
  }

  @Test
  void callbackIsRequired() {
    Response r = RawHttp.get(gateway.port, BASE + "/a/a/htmlfile");
    assertEquals(500, r.status(), r.toString());
    assertTrue(r.body().contains("\"callback\" parameter required"), r.body());
  }

  /** Anything outside {@code [a-zA-Z0-9-_.]} would let the page run the caller's script. */
  @Test
  void invalidCallbacksAreRefused() {
    for (String callback : List.of("%20", "*", "abc(", "abc%28")) {
      Response r = RawHttp.get(gateway.port, BASE + "/a/a/htmlfile?c=" + callback);
      assertEquals(500, r.status(), callback + ": " + r);
      assertTrue(r.body().contains("invalid \"callback\" parameter"), callback + ": " + r.body());
    }
  }

  @Test
  void responseEndsAtTheStreamingByteLimit() {
    String url = Conformance.session();
    String big = "x".repeat(Conformance.STREAMING_LIMIT);
    try (RawHttp r = RawHttp.open(gateway.port)) {
      assertEquals(200, r.send("GET", url + "/htmlfile?c=callback", Map.of(), null).head().status());
      assertOpened(r, "callback");
      xhrSend(gateway.port, url, payload(echo("r", big)));
      assertEquals(big, echoed(frame(r.until(END)), "r"));
      assertTrue(r.bodyEnds(5_000), "still open after more than the limit");
    }
  }

  @Test
  void secondConcurrentStreamGets2010AndTheFirstKeepsWorking() {
    String url = Conformance.session();
    try (RawHttp first = RawHttp.open(gateway.port)) {
      first.send("GET", url + "/htmlfile?c=cb", Map.of(), null).head();
      assertOpened(first, "cb");
      try (RawHttp second = RawHttp.open(gateway.port)) {
        assertEquals(200, second.send("GET", url + "/htmlfile?c=cb", Map.of(), null).head().status());
        String text = second.until(END);
        assertTrue(text.startsWith(HEAD.formatted("cb")), text);
        assertEquals("c[2010,\"Another connection still open\"]",
            frame(text.substring(text.lastIndexOf("<script>"))));
        assertTrue(second.bodyEnds(5_000), "the refused stream stays open");
      }
      xhrSend(gateway.port, url, payload(echo("r", "still here")));
      assertEquals("still here", echoed(frame(first.until(END)), "r"));
    }
  }

  /**
   * The head (the page that calls {@code parent.CALLBACK}), padding to more than 1 KiB for IE,
   * then the open frame.
   */
  static void assertOpened(RawHttp r, String callback) {
    String text = r.until(END);
    assertNotNull(text, "the response ended");
    assertTrue(text.endsWith(OPEN), "no open frame after the head: " + RawHttp.printable(text));
    String prelude = text.substring(0, text.length() - OPEN.length());
    assertEquals(HEAD.formatted(callback), prelude.strip());
    assertTrue(prelude.length() > 1024, "head of " + prelude.length() + " bytes");
  }

  /** The frame a script tag passes to {@code p}. */
  static String frame(String script) {
    assertNotNull(script, "the response ended");
    Matcher m = SCRIPT.matcher(script);
    assertTrue(m.matches(), "not one script frame: " + RawHttp.printable(script));
    return (String) Json.decodeValue(m.group(1));
  }
}
