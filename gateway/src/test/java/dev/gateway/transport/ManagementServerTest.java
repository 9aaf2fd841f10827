package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.HttpExchange;
import dev.gateway.support.HttpExchange.Reply;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import dev.gateway.testkit.Ports;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * {@code management.port}: one node on two ports. Health, metrics and the HTTP API answer on the
 * management port (with the security headers) and act on the clients of the main port; the main
 * port answers 404 for every spelling of them and still serves its clients; the management port
 * serves nothing else. With the setting unset everything stays on the main port (the rest of the
 * suite runs that way).
 */
class ManagementServerTest {

  static final String SECRET = "management-tests-secret-0123456789abcdef";
  static final int MANAGEMENT = Ports.freePort();

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("auth", new JsonObject().put("mode", "optional").put("hs256Secret", SECRET))
      .put("management", new JsonObject().put("port", MANAGEMENT)));

  static Reply get(int port, String path) {
    return HttpExchange.request(gw.http(), HttpMethod.GET, port, path, MultiMap.caseInsensitiveMultiMap(), null, 10);
  }

  static Reply postJson(int port, String path, JsonObject body) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    return HttpExchange.request(gw.http(), HttpMethod.POST, port, path, h, body.encode(), 10);
  }

  static String token(String jti) {
    JWTAuth signer = JWTAuth.create(gw.client(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return signer.generateToken(new JsonObject().put("sub", "ann").put("jti", jti)
        .put("subscribe", new io.vertx.core.json.JsonArray().add("chat.*")),
        new JWTOptions().setExpiresInSeconds(60));
  }

  @Test
  void healthAndMetricsAnswerOnTheManagementPortWithTheSecurityHeaders() {
    assertNotEquals(gw.port(), MANAGEMENT);
    Reply live = get(MANAGEMENT, "/health/live");
    Reply ready = get(MANAGEMENT, "/health/ready");
    Reply metrics = get(MANAGEMENT, "/metrics");
    assertAll(
        () -> assertEquals(200, live.status(), live.body()),
        () -> assertEquals(new JsonObject().put("status", "UP"), new JsonObject(ready.body())),
        () -> assertEquals(200, metrics.status()),
        () -> assertTrue(metrics.body().contains("gateway_connection_slots_in_use"), "a gateway metric in the scrape"),
        () -> assertEquals("DENY", metrics.headers().get("X-Frame-Options")),
        () -> assertEquals("frame-ancestors 'none'", live.headers().get("Content-Security-Policy")),
        () -> assertEquals("nosniff", ready.headers().get("X-Content-Type-Options")));
  }

  @Test
  void publishOnTheManagementPortReachesClientsOfTheMainPort() {
    String channel = GatewayExtension.fresh("chat.mgmt");
    BridgeClient c = gw.connect().register(channel);
    Reply r = postJson(MANAGEMENT, "/api/publish", new JsonObject().put("address", channel).put("body", "hi"));
    assertEquals(202, r.status(), r.body());
    JsonObject rec = c.awaitRec(channel, 5);
    assertNotNull(rec, "the main port's client got nothing");
    assertEquals("hi", rec.getValue("body"));
  }

  @Test
  void revokeOnTheManagementPortClosesTheTokensConnections() {
    String jti = "mgmt-" + UUID.randomUUID();
    BridgeClient c = gw.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
        .setURI("/ws").addHeader("Authorization", "Bearer " + token(jti)));
    c.register("chat.revoke-mgmt");
    Reply r = postJson(MANAGEMENT, "/api/revoke", new JsonObject().put("jti", jti));
    assertEquals(202, r.status(), r.body());
    assertEquals(Short.valueOf((short) 4501), c.awaitClose(5), "closed as revoked");
  }

  /** Every management path, as a client of the public port might spell it: 404, and nothing happens. */
  @Test
  void theMainPortAnswers404ForEveryManagementPath() {
    String channel = GatewayExtension.fresh("chat.main404");
    String jti = "main404-" + UUID.randomUUID();
    BridgeClient c = gw.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
        .setURI("/ws").addHeader("Authorization", "Bearer " + token(jti)));
    c.register(channel);
    List<Executable> checks = new ArrayList<>();
    for (String path : new String[] {"/metrics", "/metrics/", "/health", "/health/live", "/health/ready",
        "/health/live/", "/api", "/api/", "/api/anything"}) {
      checks.add(() -> assertEquals(404, get(gw.port(), path).status(), "GET " + path + " on the main port"));
    }
    JsonObject publish = new JsonObject().put("address", channel).put("body", "must not arrive");
    for (String path : new String[] {"/api/publish", "/api/publish/", "/api/./publish", "/x/../api/publish",
        "/%61pi/publish"}) {
      checks.add(() -> assertEquals(404, postJson(gw.port(), path, publish).status(), "POST " + path + " on the main port"));
    }
    checks.add(() -> assertEquals(404, postJson(gw.port(), "/api/revoke", new JsonObject().put("jti", jti)).status(),
        "POST /api/revoke on the main port"));
    for (String target : new String[] {"//api/publish", "/api//publish", "/metrics?x=1", "//metrics"}) {
      checks.add(() -> {
        RawHandshake.HttpHead head = RawWebSocket.exchange(gw.port(), "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: " + publish.encode().length() + "\r\nConnection: close\r\n\r\n"
            + publish.encode());
        assertTrue(head.status() == 404 || head.status() == 400, target + " raw on the main port: " + head);
      });
    }
    assertAll(checks);
    // nothing was published and nothing revoked: the next message is the marker, on an open connection
    assertEquals(202, postJson(MANAGEMENT, "/api/publish", new JsonObject().put("address", channel).put("body", "marker"))
        .status());
    JsonObject first = c.awaitRec(channel, 5);
    assertNotNull(first, "the marker did not arrive: the connection was closed or the channel lost");
    assertEquals("marker", first.getValue("body"), "a publish through the main port got through");
  }

  @Test
  void theMainPortStillServesItsClients() {
    Reply page = get(gw.port(), "/");
    Reply info = get(gw.port(), "/eventbus/info");
    Reply lib = get(gw.port(), "/lib/sockjs.min.js");
    assertAll(
        () -> assertEquals(200, page.status()),
        () -> assertTrue(page.body().contains("/gateway-client.js"), "the chat page"),
        () -> assertEquals(200, info.status(), info.body()),
        () -> assertEquals(200, lib.status()));
  }

  @Test
  void theManagementPortServesNothingElse() {
    List<Executable> checks = new ArrayList<>();
    for (String path : new String[] {"/", "/index.html", "/chat.js", "/gateway-client.js", "/vertx-eventbus.js", "/lib/sockjs.min.js",
        "/eventbus/info", "/eventbus", "/ws"}) {
      checks.add(() -> assertEquals(404, get(MANAGEMENT, path).status(), "GET " + path + " on the management port"));
    }
    checks.add(() -> {
      try (RawWebSocket ws = RawWebSocket.open(MANAGEMENT)) {
        RawHandshake.HttpHead head = ws.request("GET", "/ws", RawHandshake.upgradeHeaders(MANAGEMENT, RawHandshake.newKey()));
        assertEquals(404, head.status(), "a WebSocket upgrade on the management port: " + head);
      }
    });
    assertAll(checks);
  }

  /** Readiness on the management port follows the node: 503 DRAINING once it drains. */
  @Test
  void readinessOnTheManagementPortReportsADrainingNode() throws Exception {
    int port = Ports.freePort();
    TestGateway node = gw.start(new JsonObject().put("demo", new JsonObject().put("enabled", false))
        .put("management", new JsonObject().put("port", port)));
    assertEquals(200, get(port, "/health/ready").status());
    node.main.drain();
    Reply draining = get(port, "/health/ready");
    assertEquals(503, draining.status(), draining.body());
    assertEquals(new JsonObject().put("status", "DRAINING"), new JsonObject(draining.body()));
    assertEquals(200, get(port, "/health/live").status(), "a draining node is alive");
  }
}
