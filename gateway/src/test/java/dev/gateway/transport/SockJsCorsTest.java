package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handshake gate on the SockJS endpoint: Origin refusals, CORS answered by the gateway (an
 * Origin is only ever reflected when allowed), anti-framing headers (and who may frame the
 * iframe page); and the HTTP API against cross-origin browser posts.
 */
class SockJsCorsTest {

  private static final String EVIL = "http://evil.example";
  private static final String APP = "https://app.example.com";

  /** Default settings: same origin only, iframe page off. */
  @RegisterExtension
  static final GatewayExtension open = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false)));
  /** Allowlist {@code https://app.example.com}, iframe page on. */
  @RegisterExtension
  static final GatewayExtension strict = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("sockjs", new JsonObject().put("iframe", true))
      .put("security", new JsonObject().put("allowedOrigins", new JsonArray().add(APP))));

  private static String self(GatewayExtension gw) {
    return "http://127.0.0.1:" + gw.port();
  }

  @Test
  void infoFromForeignOriginRefusedWithoutCors() {
    for (GatewayExtension gw : List.of(open, strict)) {
      HttpResponse<String> r = request(gw, "GET", "/eventbus/info", EVIL, null);
      assertEquals(403, r.statusCode(), r.body());
      assertEquals("origin_rejected", new JsonObject(r.body()).getString("error"));
      assertNoCors(r);
    }
  }

  @Test
  void xhrFromForeignOriginRefusedWithoutCorsAndOpensNoSession() {
    double opened = open.metric("gateway_connections_opened_total{transport=\"xhr-polling\"}");
    HttpResponse<String> r = request(open, "POST", "/eventbus/1/" + session() + "/xhr", EVIL, "");
    assertEquals(403, r.statusCode(), r.body());
    assertNoCors(r);
    HttpResponse<String> send = request(open, "POST", "/eventbus/1/" + session() + "/xhr_send",
        EVIL, "[\"{}\"]");
    assertEquals(403, send.statusCode(), send.body());
    assertNoCors(send);
    assertEquals(opened, open.metric("gateway_connections_opened_total{transport=\"xhr-polling\"}"));
  }

  @Test
  void allowedOriginsGetTheirOriginReflectedWithCredentials() {
    assertCorsAllowed(request(open, "GET", "/eventbus/info", self(open), null), self(open));
    assertCorsAllowed(request(strict, "GET", "/eventbus/info", APP, null), APP);
    HttpResponse<String> xhr = request(strict, "POST", "/eventbus/1/" + session() + "/xhr", APP, "");
    assertCorsAllowed(xhr, APP);
    assertEquals("o\n", xhr.body());
    // the allowlist replaces same-origin
    HttpResponse<String> same = request(strict, "GET", "/eventbus/info", self(strict), null);
    assertEquals(403, same.statusCode(), same.body());
    assertNoCors(same);
  }

  @Test
  void preflightFromAllowedOriginAnsweredFromForeignRefused() {
    HttpResponse<String> ok = request(strict, "OPTIONS", "/eventbus/info", APP, null);
    assertTrue(ok.statusCode() >= 200 && ok.statusCode() < 300, "status " + ok.statusCode());
    assertCorsAllowed(ok, APP);
    HttpResponse<String> okXhr = request(strict, "OPTIONS", "/eventbus/1/" + session() + "/xhr_send",
        APP, null);
    assertTrue(okXhr.statusCode() >= 200 && okXhr.statusCode() < 300, "status " + okXhr.statusCode());
    assertCorsAllowed(okXhr, APP);
    for (GatewayExtension gw : List.of(open, strict)) {
      HttpResponse<String> evil = request(gw, "OPTIONS", "/eventbus/info", EVIL, null);
      assertEquals(403, evil.statusCode(), evil.body());
      assertNoCors(evil);
    }
  }

  @Test
  void antiFramingHeadersEverywhere() {
    for (String path : List.of("/", "/eventbus/info", "/vertx-eventbus.js", "/health/live")) {
      HttpResponse<String> r = request(open, "GET", path, null, null);
      assertEquals(Optional.of("DENY"), r.headers().firstValue("X-Frame-Options"), path);
      assertEquals(Optional.of("frame-ancestors 'none'"),
          r.headers().firstValue("Content-Security-Policy"), path);
      assertEquals(Optional.of("nosniff"), r.headers().firstValue("X-Content-Type-Options"), path);
    }
  }

  /**
   * The iframe page (on here; what it loads is SockJsProtocolTest's) may be framed by its own
   * origin and the allowed ones, no other.
   */
  @Test
  void iframePageMayBeFramedBySelfAndAllowedOriginsOnly() {
    HttpResponse<String> r = request(strict, "GET", "/eventbus/iframe.html", null, null);
    assertEquals(200, r.statusCode());
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.startsWith("frame-ancestors 'self'"), csp);
    assertTrue(csp.contains(APP), "allowed origins may frame it too: " + csp);
    assertFalse(csp.contains("'none'"), csp);
    assertTrue(r.headers().firstValue("X-Frame-Options").isEmpty(),
        "no X-Frame-Options on the iframe page: " + r.headers().map());
  }

  /**
   * Without an API key the HTTP API trusts loopback clients, but a browser on the gateway's host
   * is a loopback client too: a page from any origin can POST a text/plain body (a "simple"
   * request, no preflight). A request carrying a foreign Origin is a browser acting for another
   * site and must not publish or revoke.
   */
  @Test
  void httpApiRefusesCrossOriginBrowserPosts() {
    HttpResponse<String> publish = request(open, "POST", "/api/publish", EVIL,
        "{\"address\":\"chat.csrf\",\"body\":\"forged\"}");
    assertEquals(403, publish.statusCode(), "cross-origin publish: " + publish.body());
    HttpResponse<String> revoke = request(open, "POST", "/api/revoke", EVIL, "{\"jti\":\"someone\"}");
    assertEquals(403, revoke.statusCode(), "cross-origin revoke: " + revoke.body());
    // a backend (no Origin) is still served
    assertEquals(202, request(open, "POST", "/api/publish", null,
        "{\"address\":\"chat.csrf\",\"body\":\"ok\"}").statusCode());
  }

  private static void assertCorsAllowed(HttpResponse<String> r, String origin) {
    assertTrue(r.statusCode() < 300, r.uri() + " -> " + r.statusCode() + " " + r.body());
    assertEquals(List.of(origin), r.headers().allValues("Access-Control-Allow-Origin"),
        "ACAO of " + r.uri());
    assertEquals(Optional.of("true"), r.headers().firstValue("Access-Control-Allow-Credentials"));
    assertTrue(r.headers().allValues("Vary").stream().anyMatch(v -> v.contains("Origin")),
        "Vary: Origin " + r.headers().map());
  }

  private static void assertNoCors(HttpResponse<String> r) {
    assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
        "no ACAO on " + r.uri() + ": " + r.headers().map());
    assertTrue(r.headers().firstValue("Access-Control-Allow-Credentials").isEmpty(),
        "no ACAC on " + r.uri() + ": " + r.headers().map());
  }

  private static String session() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** One HTTP/1.1 request (Origin omitted when null; a preflight asks for POST + Content-Type). */
  static HttpResponse<String> request(GatewayExtension gw, String method, String path, String origin,
                                      String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path)))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (origin != null) {
      b.header("Origin", origin);
    }
    if (method.equals("OPTIONS")) {
      b.header("Access-Control-Request-Method", "POST");
      b.header("Access-Control-Request-Headers", "content-type");
    }
    if (body != null) {
      // the HTTP API takes JSON only; SockJS takes what sockjs-client sends
      b.header("Content-Type", path.startsWith("/api/") ? "application/json" : "text/plain;charset=UTF-8");
    }
    // a client (connection pool) per request: SockJS closes the connection after a polling
    // response without saying so, and a pooled connection reused at that moment fails
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertNotNull(r);
      return r;
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
