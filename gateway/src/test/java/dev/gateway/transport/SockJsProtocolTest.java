package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.HttpExchange;
import dev.gateway.support.HttpExchange.Reply;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.HttpSession;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SockJS 0.3.3 protocol surface of {@code /eventbus}: xhr_send errors, greeting, info,
 * iframe page (off unless {@code sockjs.iframe}), library, disabled transports, no session
 * cookie. Concurrent receivers: {@link SockJsConcurrentReceiverTest}; Origin, CORS and framing
 * headers: {@link SockJsCorsTest}.
 */
class SockJsProtocolTest {

  static final String APP = "https://app.example.com";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();
  /** The iframe page on, allowlist {@code https://app.example.com}. */
  @RegisterExtension
  static final GatewayExtension withIframe = GatewayExtension.config(new JsonObject()
      .put("sockjs", new JsonObject().put("iframe", true))
      .put("security", new JsonObject().put("allowedOrigins", new JsonArray().add(APP))));

  /** One request (a new connection: the gateway closes it after a polling answer). */
  static Reply call(int port, HttpMethod method, String uri, String body) {
    return call(port, method, uri, body, null);
  }

  /**
   * As {@link #call(int, HttpMethod, String, String)}, with an Origin (none when null); an
   * OPTIONS request is a CORS preflight for a POST.
   */
  static Reply call(int port, HttpMethod method, String uri, String body, String origin) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (origin != null) {
      headers.add("Origin", origin);
    }
    if (method == HttpMethod.OPTIONS) {
      headers.add("Access-Control-Request-Method", "POST")
          .add("Access-Control-Request-Headers", "content-type");
    }
    return HttpExchange.request(gw.http(), method, port, uri, HttpExchange.sockJsHeaders(headers, body),
        body, 10);
  }

  static Reply call(HttpMethod method, String uri, String body) {
    return call(gw.port(), method, uri, body);
  }

  @Test
  void xhrSendWithBrokenJsonAnswers500() {
    try (HttpSession s = SockJsSession.xhrPolling(gw.client(), gw.port())) {
      Reply r = s.xhrSend("[\"abc");
      assertEquals(500, r.status());
      assertEquals("Broken JSON encoding.", r.body());
      // the session is still usable
      s.register("chat.protocol.after-broken-json");
    }
  }

  @Test
  void xhrSendWithEmptyPayloadAnswers500() {
    try (HttpSession s = SockJsSession.xhrPolling(gw.client(), gw.port())) {
      Reply r = s.xhrSend("");
      assertEquals(500, r.status());
      assertEquals("Payload expected.", r.body());
    }
  }

  @Test
  void xhrSendToUnknownSessionAnswers404() {
    Reply r = call(HttpMethod.POST, SockJsSession.newSessionPath() + "/xhr_send", "[\"{}\"]");
    assertEquals(404, r.status());
  }

  @Test
  void infoAnswersWebsocketTrueAndCookieNeededFalse() {
    Reply r = call(HttpMethod.GET, "/eventbus/info", null);
    assertEquals(200, r.status());
    assertTrue(r.headers().get(HttpHeaders.CONTENT_TYPE).startsWith("application/json"));
    JsonObject info = new JsonObject(r.body());
    assertEquals(Boolean.TRUE, info.getBoolean("websocket"), r.body());
    assertEquals(Boolean.FALSE, info.getBoolean("cookie_needed"), r.body());
    assertNotNull(info.getValue("entropy"), r.body());
  }

  /**
   * No SockJS answer sets the JSESSIONID cookie (with or without an Origin, preflights, the iframe
   * page on or off), and opening a session sets no cookie at all.
   */
  @Test
  void noSessionCookieOnAnySockJsResponse() {
    String self = "http://127.0.0.1:" + gw.port();
    String session = "/eventbus/1/" + UUID.randomUUID().toString().substring(0, 8);
    List<Reply> responses = List.of(
        call(gw.port(), HttpMethod.GET, "/eventbus/info", null, null),
        call(gw.port(), HttpMethod.GET, "/eventbus/info", null, self),
        call(gw.port(), HttpMethod.OPTIONS, "/eventbus/info", null, self),
        call(gw.port(), HttpMethod.POST, session + "/xhr", "", self),
        call(gw.port(), HttpMethod.POST, session + "/xhr_send", "[\"{\\\"type\\\":\\\"ping\\\"}\"]", self),
        call(gw.port(), HttpMethod.GET, "/eventbus/iframe.html", null, null),
        call(withIframe.port(), HttpMethod.GET, "/eventbus/iframe.html", null, null),
        call(withIframe.port(), HttpMethod.POST,
            "/eventbus/1/" + UUID.randomUUID().toString().substring(0, 8) + "/xhr", "", APP));
    for (Reply r : responses) {
      assertTrue(r.status() < 300 || r.status() == 404, r.status() + " " + r.body());
      List<String> cookies = r.headers().getAll(HttpHeaders.SET_COOKIE);
      assertTrue(cookies.stream().noneMatch(c -> c.toUpperCase(Locale.ROOT).contains("JSESSIONID")),
          "set " + cookies + " on " + r.status() + " " + r.body());
    }
    assertEquals(false, new JsonObject(responses.get(0).body()).getBoolean("cookie_needed"));
    Reply open = responses.get(3);
    assertEquals("o\n", open.body());
    assertTrue(open.headers().getAll(HttpHeaders.SET_COOKIE).isEmpty(),
        "session open set cookies: " + open.headers().getAll(HttpHeaders.SET_COOKIE));
  }

  /** SockJS 0.3.3 answers the greeting on the base URL with and without a trailing slash. */
  @Test
  void greetingAnsweredWithAndWithoutTrailingSlash() {
    for (String url : List.of("/eventbus/", "/eventbus")) {
      Reply welcome = call(HttpMethod.GET, url, null);
      assertEquals(200, welcome.status(), "GET " + url);
      assertEquals("Welcome to SockJS!\n", welcome.body(), "GET " + url);
    }
  }

  @Test
  void iframePageIsOffByDefault() {
    for (String page : List.of("/eventbus/iframe.html", "/eventbus/iframe-1.6.1.html",
        "/eventbus/iframe-abc.html")) {
      assertEquals(404, call(HttpMethod.GET, page, null).status(), page);
    }
  }

  @Test
  void iframePageWhenEnabledLoadsSockJsFromGatewayNotCdn() {
    for (String page : List.of("/eventbus/iframe.html", "/eventbus/iframe-1.6.1.html")) {
      Reply r = call(withIframe.port(), HttpMethod.GET, page, null);
      assertEquals(200, r.status(), page);
      assertTrue(r.headers().get(HttpHeaders.CONTENT_TYPE).startsWith("text/html"), page);
      assertTrue(r.body().contains("<script src=\"/lib/sockjs.min.js\"></script>"), r.body());
      assertFalse(r.body().contains("cdn"), "iframe references a CDN: " + r.body());
      assertFalse(r.body().contains("//"), "iframe references another origin: " + r.body());
    }
  }

  @Test
  void sockJsLibraryIsServedByGateway() {
    Reply r = call(HttpMethod.GET, "/lib/sockjs.min.js", null);
    assertEquals(200, r.status());
    assertTrue(r.headers().get(HttpHeaders.CONTENT_TYPE).startsWith("application/javascript"),
        r.headers().get(HttpHeaders.CONTENT_TYPE));
    assertTrue(r.body().length() > 10_000, "library too small: " + r.body().length());
    assertTrue(r.body().contains("SockJS"), "not sockjs-client");
    assertTrue(r.body().contains("1.6.1"), "not sockjs-client 1.6.1");
  }

  @Test
  void disabledTransportsAnswer404() {
    TestGateway wsOnly = gw.start(new JsonObject()
        .put("sockjs", new JsonObject().put("transports", new JsonArray().add("websocket"))));
    String session = SockJsSession.newSessionPath();
    assertEquals(404, call(wsOnly.port, HttpMethod.POST, session + "/xhr", null).status(), "xhr");
    assertEquals(404, call(wsOnly.port, HttpMethod.POST, session + "/xhr_streaming", null).status(),
        "xhr_streaming");
    assertEquals(404, call(wsOnly.port, HttpMethod.GET, session + "/eventsource", null).status(),
        "eventsource");
    assertEquals(404, call(wsOnly.port, HttpMethod.POST, session + "/xhr_send", "[\"{}\"]").status(),
        "xhr_send");

    // the enabled transport still works, and info says so
    Reply info = call(wsOnly.port, HttpMethod.GET, "/eventbus/info", null);
    assertEquals(Boolean.TRUE, new JsonObject(info.body()).getBoolean("websocket"));
    try (SockJsSession ws = SockJsSession.webSocket(gw.client(), wsOnly.port)) {
      ws.send(new JsonObject().put("type", "send").put("address", "echo").put("body", "ok")
          .put("replyAddress", "r-ws-only"));
      JsonObject rec = ws.awaitRec("r-ws-only", 10);
      assertNotNull(rec, "websocket transport broken when others are disabled");
      assertNull(ws.closeFrame());
    }
  }
}
