package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.ORIGIN;
import static dev.gateway.transport.sockjs.Conformance.assertCors;
import static dev.gateway.transport.sockjs.Conformance.echo;
import static dev.gateway.transport.sockjs.Conformance.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Head;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CORS of SockJS 0.3.3 (the reference's verify_options, verify_cors and
 * test_request_headers_cors), for an allowed cross-origin page: every request a browser
 * preflights ({@code /info}, xhr, xhr_send, xhr_streaming) answers its preflight, and every
 * HTTP transport echoes the Origin with credentials. The GET transports (eventsource, htmlfile,
 * jsonp) and {@code jsonp_send} are simple requests that no browser preflights.
 */
class CorsTest {

  private static final List<String> PREFLIGHTED = List.of("/xhr", "/xhr_send", "/xhr_streaming");

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
  void preflightOfEveryPreflightedRequest() {
    Conformance.assertPreflight(gateway.port, BASE + "/info", "OPTIONS, GET");
    for (String transport : PREFLIGHTED) {
      Conformance.assertPreflight(gateway.port, BASE + "/abc/abc" + transport, "OPTIONS, POST");
    }
  }

  /** The requested headers are allowed exactly as requested; none are named when none were asked. */
  @Test
  void requestedHeadersAreEchoedExactlyAndOnlyWhenRequested() {
    for (String path : List.of("/info", "/000/s/xhr", "/000/s/xhr_send", "/000/s/xhr_streaming")) {
      String method = path.equals("/info") ? "GET" : "POST";
      Head asked = preflight(BASE + path, Map.of("Origin", ORIGIN,
          "Access-Control-Request-Method", method, "Access-Control-Request-Headers", "a, b, c"));
      assertCors(asked, ORIGIN);
      assertEquals("a, b, c", asked.header("access-control-allow-headers"), path + ": " + asked);

      Head empty = preflight(BASE + path, Map.of("Origin", ORIGIN,
          "Access-Control-Request-Method", method, "Access-Control-Request-Headers", ""));
      assertCors(empty, ORIGIN);
      assertNull(empty.header("access-control-allow-headers"), path + ": " + empty);

      Head none = preflight(BASE + path, Map.of("Origin", ORIGIN,
          "Access-Control-Request-Method", method));
      assertCors(none, ORIGIN);
      assertNull(none.header("access-control-allow-headers"), path + ": " + none);
    }
  }

  /** What a cross-origin page reads carries its Origin back, with credentials. */
  @Test
  void everyHttpTransportEchoesTheAllowedOrigin() {
    Map<String, String> origin = Conformance.fromOrigin();
    String xhr = Conformance.session();
    assertCors(RawHttp.exchange(gateway.port, "POST", xhr + "/xhr", origin, null).head(), ORIGIN);
    assertCors(RawHttp.exchange(gateway.port, "POST", xhr + "/xhr_send", origin,
        payload(echo("r", 1))).head(), ORIGIN);

    String jsonp = Conformance.session();
    assertCors(RawHttp.exchange(gateway.port, "GET", jsonp + "/jsonp?c=x", origin, null).head(),
        ORIGIN);
    Response sent = RawHttp.exchange(gateway.port, "POST", jsonp + "/jsonp_send",
        Map.of("Origin", ORIGIN, "Content-Type", "application/x-www-form-urlencoded"),
        "d=" + URLEncoder.encode(payload(echo("r", 1)), StandardCharsets.UTF_8));
    assertEquals("ok", sent.body(), sent.toString());
    assertCors(sent.head(), ORIGIN);

    for (String streaming : List.of("POST /xhr_streaming", "GET /eventsource", "GET /htmlfile?c=x")) {
      String[] request = streaming.split(" ");
      try (RawHttp c = RawHttp.open(gateway.port)) {
        Head h = c.send(request[0], Conformance.session() + request[1], origin, null).head();
        assertEquals(200, h.status(), streaming + ": " + h);
        assertCors(h, ORIGIN);
      }
    }
  }

  private static Head preflight(String path, Map<String, String> headers) {
    Response r = RawHttp.exchange(gateway.port, "OPTIONS", path, headers, null);
    assertTrue(r.status() == 204 || r.status() == 200, "OPTIONS " + path + ": " + r);
    return r.head();
  }
}
