package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.echoed;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 session URLs {@code /<server>/<session>/<transport>} (reference classes
 * SessionURLs and Protocol): any server and session value without dots opens a session, the
 * server id is ignored, everything else is not found, and paths are matched as sent: no
 * percent-decoding, no folding of slashes or dot segments, no case folding.
 */
class SessionUrlTest {

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
  void anyServerAndSessionValueOpensASession() {
    String r = Integer.toString(ThreadLocalRandom.current().nextInt(1_000_000));
    for (String part : List.of("/a/a" + r, "/_/_" + r, "/1/" + r,
        "/abcdefgh_i-j%20/abcdefg_i-j%20" + r)) {
      Response o = RawHttp.post(gateway.port, BASE + part + "/xhr", null);
      assertEquals(200, o.status(), part + ": " + o);
      assertEquals("o\n", o.body(), part);
    }
  }

  /** Not an empty string, nothing with dots, no paths with fewer or more parts. */
  @Test
  void invalidSessionPathsAreNotFound() {
    for (String part : List.of("//", "/a./a", "/a/a.", "/./.", "/", "///")) {
      String url = BASE + part + "/xhr";
      assertEquals(404, RawHttp.get(gateway.port, url).status(), "GET " + url);
      assertEquals(404, RawHttp.post(gateway.port, url, null).status(), "POST " + url);
    }
  }

  /** A session is its session id only; the server id is for load balancers. */
  @Test
  void serverIdIsIgnored() {
    String id = UUID.randomUUID().toString();
    assertEquals("o\n", Conformance.poll(gateway.port, BASE + "/000/" + id));
    Conformance.xhrSend(gateway.port, BASE + "/000/" + id, payload(echo("r", "a")));
    assertEquals("a", echoed(Conformance.poll(gateway.port, BASE + "/999/" + id).strip(), "r"));
  }

  /**
   * Protocol.test_simpleSession: {@code o} for a new session, messages accepted and answered,
   * sends to an unknown session refused, and no second receiver while one waits.
   */
  @Test
  void simpleSession() {
    String session = Conformance.session();
    Response open = RawHttp.post(gateway.port, session + "/xhr", null);
    assertEquals(200, open.status());
    assertEquals("o\n", open.body());

    Conformance.xhrSend(gateway.port, session, payload(echo("r", "a")));
    String frame = Conformance.poll(gateway.port, session);
    assertEquals("a", echoed(frame.strip(), "r"));
    assertEquals('\n', frame.charAt(frame.length() - 1));

    Response bad = RawHttp.post(gateway.port, BASE + "/000/bad_session/xhr_send",
        payload(echo("r", "a")));
    assertEquals(404, bad.status(), bad.toString());

    try (RawHttp waiting = RawHttp.open(gateway.port)) {
      waiting.send("POST", session + "/xhr", Map.of(), null);
      Conformance.sleep(Conformance.SETTLE_MS);
      Response second = RawHttp.post(gateway.port, session + "/xhr", null);
      assertEquals(200, second.status());
      assertEquals("c[2010,\"Another connection still open\"]\n", second.body());
    }
  }

  /**
   * sockjs-client 1.6 adds cache busters to what it requests ({@code ?t=MILLIS} on every XHR,
   * {@code ?i=ID} on jsonp_send) and names its callbacks {@code _jp.ID}: they change nothing.
   */
  @Test
  void queriesAsSockJsClientSendsThemAreIgnored() {
    String t = "?t=" + System.currentTimeMillis();
    assertEquals(200, RawHttp.get(gateway.port, BASE + "/info" + t).status());
    String url = Conformance.session();
    assertEquals("o\n", RawHttp.post(gateway.port, url + "/xhr" + t, null).body());
    Response sent = RawHttp.post(gateway.port, url + "/xhr_send" + t, payload(echo("r", "a")));
    assertEquals(204, sent.status(), sent.toString());
    assertEquals("a", echoed(RawHttp.post(gateway.port, url + "/xhr" + t, null).body().strip(), "r"));

    String jsonp = Conformance.session();
    assertEquals("/**/_jp.a1b2c3d4(\"o\");\r\n",
        RawHttp.get(gateway.port, jsonp + "/jsonp?c=_jp.a1b2c3d4").body());
    Response form = RawHttp.exchange(gateway.port, "POST", jsonp + "/jsonp_send?i=aqwertyui",
        Map.of("Content-Type", "application/x-www-form-urlencoded"),
        "d=" + java.net.URLEncoder.encode(payload(echo("r", "b")), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("ok", form.body(), form.toString());

    try (RawHttp streaming = RawHttp.open(gateway.port)) {
      assertEquals(200, streaming.send("POST", Conformance.session() + "/xhr_streaming" + t,
          Map.of(), null).head().status());
      streaming.until("\n");
      assertEquals("o\n", streaming.until("\n"));
    }
  }

  /**
   * One parser decides what a request is, from the path as sent: an encoded, doubled-slash,
   * dot-segment or upper-case spelling of a transport is not that transport and opens nothing.
   */
  @Test
  void nonCanonicalPathsAreNotFoundAndOpenNothing() {
    String id = "x" + UUID.randomUUID().toString().substring(0, 8);
    for (String url : List.of(BASE + "/000/" + id + "/xhr%5Fstreaming",
        BASE + "//000/" + id + "/xhr", BASE + "/000/" + id + "/XHR",
        BASE + "/000/" + id + "/xhr/", BASE + "/000/./" + id + "/xhr",
        BASE + "/000/" + id + "/%78hr")) {
      Response r = RawHttp.post(gateway.port, url, null);
      assertEquals(404, r.status(), "POST " + url + ": " + r);
    }
    String key = RawHandshake.newKey();
    for (String url : List.of(BASE + "/./websocket", BASE + "//websocket",
        BASE + "/000/" + id + "/./websocket", BASE + "/000/" + id + "/WEBSOCKET")) {
      Response r = RawHttp.exchange(gateway.port, "GET", url,
          RawHandshake.upgradeHeaders(gateway.port, key), null);
      assertNotEquals(101, r.status(), "upgraded on " + url);
      assertEquals(404, r.status(), "GET " + url + ": " + r);
    }
    // none of them opened the session
    Response send = RawHttp.post(gateway.port, BASE + "/000/" + id + "/xhr_send",
        payload(echo("r", "a")));
    assertEquals(404, send.status(), "a session was opened: " + send);
  }
}
