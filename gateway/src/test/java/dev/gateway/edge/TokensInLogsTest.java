package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import dev.gateway.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * No token reaches a log record, at any level, nor an error body, whatever carries it and however
 * the request ends: in the query (valid, invalid, malformed; on {@code /ws}, on SockJS, on the
 * chat page and its assets, on health, metrics and the API of both the main and the management
 * port, on a missing page; the name in any case or percent-encoded), in
 * {@code Authorization: Bearer}, as a {@code token.<jwt>} subprotocol (offered beside the
 * gateway's or alone), or in a SockJS message's headers; accepted, or refused for a bad token, a
 * foreign Origin or a node at its limit. Every JUL record of the JVM is captured (Vert.x, Netty
 * and the gateway log through java.util.logging); the redaction is the node's own, installed at
 * start-up as in a process started from the jar.
 */
class TokensInLogsTest {

  TestGateway gateway;
  int management;
  Vertx clients;

  @BeforeEach
  void start() {
    clients = Vertx.vertx();
    management = Ports.freePort();
    gateway = TestGateway.start(Edge.config(
        "auth", Edge.auth("optional"),
        "limits", new JsonObject().put("maxConnections", 3),
        "sockjs", new JsonObject().put("sessionTimeoutMs", 1000),
        "management", new JsonObject().put("port", management)));
  }

  @AfterEach
  void stop() {
    clients.close().await();
    gateway.close();
  }

  private HttpWire.Response upgrade(String target, Map<String, String> extra, long seconds) {
    try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
      h.putAll(extra);
      return w.send("GET", target, h, null).response(seconds);
    }
  }

  private HttpWire.Response request(int port, String method, String target, Map<String, String> headers, String body) {
    return HttpWire.exchange("127.0.0.1", port, method, target, headers, body, 2);
  }

  /** Sends a request whatever comes back; an answer's body is kept to be checked for tokens too. */
  private static void attempt(List<String> bodies, java.util.function.Supplier<HttpWire.Response> request) {
    try {
      HttpWire.Response r = request.get();
      bodies.add(r.status() + " " + r.body());
    } catch (AssertionError noAnswerInTime) {
      // the log is what is checked here
    }
  }

  @Test
  void noLogRecordOrErrorBodyContainsAToken() throws Exception {
    String valid = Edge.validJwt(new JsonObject().put("sub", "alice"));
    String signature = valid.substring(valid.lastIndexOf('.') + 1);
    String bare = "opaque-token-value-" + System.nanoTime();
    String offered = "offered-token-" + System.nanoTime();
    List<String> stringClaims = MalformedRequestTest.nonNumericTimeTokens();
    List<String> needles = new ArrayList<>(List.of(valid, signature, bare, offered));
    stringClaims.forEach(t -> needles.add(t.substring(t.lastIndexOf('.') + 1)));
    String accepted = Edge.validJwt(new JsonObject().put("sub", "bob"));
    String acceptedByProtocol = Edge.validJwt(new JsonObject().put("sub", "carol"));
    for (String t : new String[] {accepted, acceptedByProtocol}) {
      needles.add(t.substring(t.lastIndexOf('.') + 1));
    }
    List<String> bodies = new ArrayList<>();
    try (Edge.LogCapture logs = new Edge.LogCapture()) {
      try (BridgeClient ok = BridgeClient.connect(clients, new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port).setURI("/ws?token=" + accepted))) {
        ok.send(new JsonObject().put("type", "ping")); // an accepted token, first, while the node has room
      }
      attempt(bodies, () -> upgrade("/ws", Map.of("Sec-WebSocket-Protocol", "v1.eventbus.gateway, token." + acceptedByProtocol), 2));
      tokensOnTheClientEndpoints(bodies, valid, bare, offered, stringClaims);
      tokensOnThePagesHealthMetricsAndApi(bodies, valid, bare);
      refusedForOtherReasons(bodies, valid);
      TimeUnit.MILLISECONDS.sleep(500);
      List<String> leaks = logs.containing(needles.toArray(String[]::new));
      assertTrue(logs.size() > 0, "no log record at all was captured: the capture does not work");
      assertTrue(leaks.isEmpty(), leaks.size() + " of " + logs.size() + " log records contain a token, e.g. "
          + (leaks.isEmpty() ? "" : leaks.get(0)));
    }
    List<Executable> checks = new ArrayList<>();
    for (String body : bodies) {
      checks.add(() -> assertFalse(needles.stream().anyMatch(body::contains), "an answer carries a token: " + body));
    }
    assertAll(checks);
  }

  private void tokensOnTheClientEndpoints(List<String> bodies, String valid, String bare, String offered,
                                          List<String> stringClaims) {
    List<String> upgrades = new ArrayList<>(List.of(
        "/ws?token=" + valid + "&x=%zz", "/ws?x=%zz&token=" + valid, "/ws?token=" + valid + "%",
        "/ws?token=" + bare, "/ws?token=" + bare + "&%", "/ws?TOKEN=" + bare, "/ws?%74oken=" + bare,
        "/eventbus/websocket?token=" + valid + "&x=%zz", "/eventbus/000/logs1/websocket?token=" + bare + "&%"));
    stringClaims.forEach(t -> upgrades.add("/ws?token=" + t));
    for (String u : upgrades) {
      attempt(bodies, () -> upgrade(u, Map.of(), 2));
    }
    attempt(bodies, () -> upgrade("/ws", Map.of("Authorization", "Bearer " + bare), 2));
    attempt(bodies, () -> upgrade("/ws", Map.of("Sec-WebSocket-Protocol", "v1.eventbus.gateway, token." + offered), 2));
    attempt(bodies, () -> upgrade("/ws", Map.of("Sec-WebSocket-Protocol", "token." + offered), 2)); // nothing selected
    for (String u : new String[] {"/eventbus/000/logs2/xhr?token=" + valid + "&x=%zz",
        "/eventbus/000/logs3/xhr_streaming?token=" + bare + "&%"}) {
      try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
        w.send("POST", u, Map.of(), null).awaitClosed(1000);
      }
    }
    // a SockJS first message whose token header is refused (1008, checked in MalformedRequestTest)
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, "/eventbus/websocket", 0)) {
      ws.send(RawFrame.text(new JsonObject().put("type", "ping")
          .put("headers", new JsonObject().put("token", bare)).encode()));
      ws.awaitCloseCode(2);
    } catch (AssertionError refusedOrNoCloseInTime) {
      // the log is what is checked here
    }
  }

  /** The router's paths log the absolute URI at trace level: the page, assets, health, metrics, API. */
  private void tokensOnThePagesHealthMetricsAndApi(List<String> bodies, String valid, String bare) {
    Map<String, String> json = Map.of("Content-Type", "application/json");
    String publish = new JsonObject().put("address", "chat.logs").put("body", "x").encode();
    for (int port : new int[] {gateway.port, management}) {
      for (String path : new String[] {"/?token=" + valid, "/index.html?token=" + bare, "/chat.js?access_token=" + valid,
          "/health/ready?token=" + valid, "/metrics?token=" + bare, "/nope?token=" + valid + "&x=%zz"}) {
        attempt(bodies, () -> request(port, "GET", path, Map.of(), null));
      }
      attempt(bodies, () -> request(port, "GET", "/", Map.of("Authorization", "Bearer " + bare), null));
      attempt(bodies, () -> request(port, "POST", "/api/publish?token=" + valid, json, publish));
      attempt(bodies, () -> request(port, "POST", "/api/revoke?token=" + bare, json, "{\"jti\":\"logs\"}"));
      attempt(bodies, () -> request(port, "POST", "/api/publish", Map.of("Content-Type", "application/json",
          "Authorization", "Bearer " + bare), publish));
    }
  }

  /** Refused for other reasons than the token: a foreign Origin, and a node at its limit. */
  private void refusedForOtherReasons(List<String> bodies, String valid) {
    attempt(bodies, () -> upgrade("/ws?token=" + valid, Map.of("Origin", "https://evil.example"), 2));
    List<BridgeClient> full = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        full.add(BridgeClient.connect(clients, gateway.port));
      }
    } catch (IllegalStateException leakedSlots) {
      // the node is full already: the next request is refused all the same
    }
    attempt(bodies, () -> upgrade("/ws?token=" + valid, Map.of(), 2));
    full.forEach(BridgeClient::close);
  }
}
