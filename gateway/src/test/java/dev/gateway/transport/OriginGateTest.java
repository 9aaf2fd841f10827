package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawHandshake.HttpHead;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * The handshake gate's Origin check on the native WebSocket endpoint, with a raw HTTP client so
 * the exact status line and headers are seen (a refusal must be a plain HTTP answer, never 101).
 */
class OriginGateTest {

  private static final String REJECTED = "gateway_handshakes_rejected_total{reason=\"origin_rejected\"}";
  private static final String REQUIRED = "gateway_handshakes_rejected_total{reason=\"origin_required\"}";
  private static final String APP = "https://app.example.com";

  /** Default settings: no allowlist (same origin only), missing Origin allowed. */
  @RegisterExtension
  static final GatewayExtension open = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false)));
  /** Allowlist {@code https://app.example.com}, Origin required. */
  @RegisterExtension
  static final GatewayExtension strict = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("security", new JsonObject().put("allowedOrigins", new JsonArray().add(APP))
          .put("allowMissingOrigin", false)));

  private static String self(GatewayExtension gw) {
    return "http://127.0.0.1:" + gw.port();
  }

  @Test
  void sameOriginUpgrades() {
    Response r = upgrade(open, self(open));
    assertEquals(101, r.status(), r.toString());
    assertNotNull(r.head().header("sec-websocket-accept"), r.toString());
  }

  @Test
  void missingOriginAllowedByDefault() {
    Response r = upgrade(open, null);
    assertEquals(101, r.status(), r.toString());
  }

  @Test
  void foreignOriginRefusedWith403BeforeAnyUpgrade() {
    double before = open.metric(REJECTED);
    Response r = upgrade(open, "http://evil.example");
    assertRefused(r, "origin_rejected");
    assertEquals(before + 1, open.metric(REJECTED), 0.0, "origin_rejected counter");
  }

  @Test
  void trickyOriginsRefused() {
    int port = open.port();
    List<String> origins = List.of(
        "http://127.0.0.1:" + port + ".evil.com",
        "http://evil.com/127.0.0.1:" + port,
        "http://127.0.0.1:" + port + "@evil.com",
        "http://evil.com@127.0.0.1:" + port,
        "http://127.0.0.1:" + port + "/",
        "null",
        "file://",
        "http://127.0.0.1:" + (port == 65535 ? port - 1 : port + 1),
        "http://127.0.0.1",
        "http://localhost:" + port,
        "ws://127.0.0.1:" + port);
    double before = open.metric(REJECTED);
    List<Executable> checks = new ArrayList<>();
    for (String origin : origins) {
      Response r = upgrade(open, origin);
      checks.add(() -> assertRefused(r, "origin_rejected"));
    }
    assertAll(checks);
    assertEquals(before + origins.size(), open.metric(REJECTED), 0.0, "origin_rejected counter");
  }

  @Test
  void allowlistAcceptsExactOriginAfterNormalisation() {
    List<String> allowed = List.of(APP, "https://app.example.com:443", "https://APP.EXAMPLE.COM",
        "HTTPS://App.Example.Com");
    List<Executable> checks = new ArrayList<>();
    for (String origin : allowed) {
      Response r = upgrade(strict, origin);
      checks.add(() -> assertEquals(101, r.status(), origin + ": " + r));
    }
    assertAll(checks);
  }

  @Test
  void allowlistRefusesLookalikesAndReplacesSameOrigin() {
    List<String> refused = List.of(
        "https://app.example.com.evil.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://evil.app.example.com",
        "https://app.example.com@evil.com",
        self(strict),
        "http://evil.example");
    double before = strict.metric(REJECTED);
    List<Executable> checks = new ArrayList<>();
    for (String origin : refused) {
      Response r = upgrade(strict, origin);
      checks.add(() -> assertRefused(r, "origin_rejected"));
    }
    assertAll(checks);
    assertEquals(before + refused.size(), strict.metric(REJECTED), 0.0, "origin_rejected counter");
  }

  @Test
  void sockJsWebSocketsGatedTheSameWay() {
    for (String path : List.of("/eventbus/websocket", "/eventbus/1/abcd/websocket")) {
      assertEquals(101, upgrade(open, path, self(open)).status(), path);
      assertRefused(upgrade(open, path, "http://evil.example"), "origin_rejected");
      assertRefused(upgrade(open, path, "http://127.0.0.1:" + open.port() + ".evil.com"),
          "origin_rejected");
      assertEquals(101, upgrade(strict, path, APP).status(), path);
      assertRefused(upgrade(strict, path, self(strict)), "origin_rejected");
      assertRefused(upgrade(strict, path, null), "origin_required");
    }
  }

  @Test
  void missingOriginRefusedWhenRequired() {
    double before = strict.metric(REQUIRED);
    Response r = upgrade(strict, null);
    assertRefused(r, "origin_required");
    assertEquals(before + 1, strict.metric(REQUIRED), 0.0, "origin_required counter");
  }

  private static void assertRefused(Response r, String code) {
    assertEquals(403, r.status(), r.toString());
    assertNull(r.head().header("upgrade"), "no Upgrade header on a refusal: " + r);
    assertNull(r.head().header("sec-websocket-accept"), "no Sec-WebSocket-Accept on a refusal: " + r);
    assertFalse(r.head().text().lines().findFirst().orElse("").contains("101"), r.toString());
    assertEquals(code, new JsonObject(r.body()).getString("error"), r.toString());
  }

  /** The answer to an upgrade request: its head and, when not 101, its body. */
  record Response(HttpHead head, String body) {
    int status() {
      return head.status();
    }

    @Override
    public String toString() {
      return head + "\n" + body;
    }
  }

  static Response upgrade(GatewayExtension gw, String origin) {
    return upgrade(gw, "/ws", origin);
  }

  /**
   * Sends a WebSocket upgrade request for the path (Origin omitted when null) and reads the
   * answer: status line, headers and, when not 101, the body (by Content-Length).
   */
  static Response upgrade(GatewayExtension gw, String path, String origin) {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.KEY);
      if (origin != null) {
        h.put("Origin", origin);
      }
      HttpHead head = ws.request("GET", path, h);
      String length = head.header("content-length");
      String body = head.status() == 101 || length == null ? ""
          : new String(ws.readBytes(Integer.parseInt(length), 5), StandardCharsets.UTF_8);
      return new Response(head, body);
    }
  }
}
