package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Malformed input at the handshake is answered, and costs nothing afterwards: a query string or
 * percent-encoding that does not decode is refused with 400 {@code bad_request} on {@code /ws}
 * and on every SockJS request; a correctly signed JWT whose {@code nbf}, {@code iat} or
 * {@code exp} is not a number is refused with 401 {@code invalid_token} (close 1008 when it
 * arrives in a SockJS first message). Every refusal gives its connection slot back, so a node
 * at {@code limits.maxConnections=3} still accepts clients after any number of them. That no log
 * record contains a token, whether the request carrying it was malformed, refused or not, is
 * {@link TokensInLogsTest}.
 */
class MalformedRequestTest {

  private static final String[] BAD_QUERIES = {"?%", "?x=%zz"};

  TestGateway gateway;
  Vertx clients;

  @BeforeEach
  void clients() {
    clients = Vertx.vertx();
  }

  /** A node with optional authentication and this connection limit. */
  private void start(int maxConnections) {
    gateway = TestGateway.start(Edge.config(
        "auth", Edge.auth("optional"),
        "limits", new JsonObject().put("maxConnections", maxConnections),
        "sockjs", new JsonObject().put("sessionTimeoutMs", 1000)));
  }

  @AfterEach
  void stop() {
    clients.close().await();
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpWire.Response upgrade(String target, long seconds) {
    try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
      return w.send("GET", target, RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()), null)
          .response(seconds);
    }
  }

  private HttpWire.Response post(String target, String body, long seconds) {
    return HttpWire.exchange("127.0.0.1", gateway.port, "POST", target, Map.of(), body, seconds);
  }

  private static Executable refused(String what, int status, String error, java.util.function.Supplier<HttpWire.Response> r) {
    return () -> {
      HttpWire.Response answer;
      try {
        answer = r.get();
      } catch (AssertionError e) {
        throw new AssertionError(what + ": " + e.getMessage(), e);
      }
      assertEquals(status, answer.status(), what + " answered " + answer);
      assertEquals(error, answer.error(), what + " answered " + answer);
    };
  }

  @Test
  void malformedQueryOnAnUpgradeIsRefusedWith400() {
    start(100);
    List<Executable> checks = new ArrayList<>();
    for (String q : BAD_QUERIES) {
      for (String path : new String[] {"/ws", "/eventbus/websocket", "/eventbus/000/mq" + q.length() + "/websocket"}) {
        checks.add(refused("GET " + path + q, 400, "bad_request", () -> upgrade(path + q, 3)));
      }
    }
    assertAll(checks);
  }

  @Test
  void malformedQueryOnASockJsRequestIsRefusedWith400() {
    start(100);
    List<Executable> checks = new ArrayList<>();
    for (String q : BAD_QUERIES) {
      String s = "/eventbus/000/sq" + q.length();
      checks.add(refused("POST " + s + "/xhr" + q, 400, "bad_request", () -> post(s + "/xhr" + q, null, 3)));
      checks.add(refused("POST " + s + "x/xhr_streaming" + q, 400, "bad_request",
          () -> post(s + "x/xhr_streaming" + q, null, 3)));
      checks.add(refused("POST " + s + "/xhr_send" + q, 400, "bad_request",
          () -> post(s + "/xhr_send" + q, "[\"{}\"]", 3)));
      checks.add(refused("GET /eventbus/info" + q, 400, "bad_request", () -> HttpWire.exchange(
          "127.0.0.1", gateway.port, "GET", "/eventbus/info" + q, Map.of(), null, 3)));
    }
    assertAll(checks);
  }

  /** Claims with the right names and the wrong type: a string where a NumericDate must be. */
  static List<String> nonNumericTimeTokens() {
    long now = System.currentTimeMillis() / 1000;
    List<String> tokens = new ArrayList<>();
    for (String claim : new String[] {"exp", "nbf", "iat"}) {
      JsonObject c = new JsonObject().put("sub", "mallory").put("jti", "str-" + claim + "-" + System.nanoTime())
          .put("iat", now).put("exp", now + 60).put(claim, "soon");
      tokens.add(Edge.jwt(c));
    }
    return tokens;
  }

  @Test
  void signedTokenWithNonNumericTimeClaimIsRefusedWith401() {
    start(100);
    List<Executable> checks = new ArrayList<>();
    List<String> tokens = nonNumericTimeTokens();
    String[] claims = {"exp", "nbf", "iat"};
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String claim = claims[i];
      checks.add(refused("/ws?token= with a string " + claim, 401, "invalid_token", () -> upgrade("/ws?token=" + t, 2)));
      checks.add(refused("/ws with Bearer and a string " + claim, 401, "invalid_token", () -> {
        try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
          Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
          h.put("Authorization", "Bearer " + t);
          return w.send("GET", "/ws", h, null).response(2);
        }
      }));
      checks.add(() -> {
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port, "/eventbus/websocket", 0)) {
          ws.send(RawFrame.text(new JsonObject().put("type", "ping")
              .put("headers", new JsonObject().put("token", t)).encode()));
          String what = "SockJS first message with a string " + claim;
          try {
            assertEquals(1008, ws.awaitCloseCode(2), what);
          } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
          }
        }
      });
    }
    assertAll(checks);
  }

  /** Ten refused requests of every kind above; what they answer is checked by the tests above. */
  private void tenRefusedRequests() {
    List<String> tokens = nonNumericTimeTokens();
    String[] upgrades = {"/ws?%", "/ws?x=%zz", "/eventbus/websocket?%", "/ws?token=" + tokens.get(0),
        "/ws?token=" + tokens.get(1), "/ws?token=" + tokens.get(2), "/eventbus/000/ten1/websocket?x=%zz"};
    for (String u : upgrades) {
      try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
        w.send("GET", u, RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()), null);
        w.awaitClosed(500);
      }
    }
    for (String p : new String[] {"/eventbus/000/ten2/xhr?%", "/eventbus/000/ten3/xhr_streaming?x=%zz",
        "/eventbus/000/ten4/xhr?x=%zz"}) {
      try (HttpWire w = HttpWire.open("127.0.0.1", gateway.port)) {
        w.send("POST", p, Map.of(), null);
        w.awaitClosed(500);
      }
    }
  }

  @Test
  void refusedRequestsGiveTheirSlotBack() throws Exception {
    start(3);
    tenRefusedRequests();
    BridgeClient ws;
    try {
      ws = BridgeClient.connect(clients, gateway.port);
    } catch (IllegalStateException e) {
      throw new AssertionError("a /ws client cannot connect after ten refused requests (limit 3): " + e.getMessage(), e);
    }
    ws.register("chat.after-malformed");
    HttpWire.Response open = post("/eventbus/000/afterten/xhr", null, 5);
    assertEquals("o\n", open.body(), "a SockJS session after ten refused requests (limit 3): " + open);
    ws.close();
    // the polling session ends at sockjs.sessionTimeoutMs (1 s) without a poll
    Edge.awaitSample(gateway, Edge.SLOTS, v -> v == 0, 5, "slots after every client closed");
    assertEquals(0, Edge.connections(gateway), "open connections");
  }

  /** A healthy request after all this still works (guards the config used above). */
  @Test
  void validRequestsStillWork() throws Exception {
    start(3);
    try (BridgeClient c = BridgeClient.connect(clients, gateway.port)) {
      c.register("chat.valid");
    }
    HttpWire.Response open = post("/eventbus/000/valid1/xhr", null, 5);
    assertEquals("o\n", open.body(), open.toString());
    HttpWire.Response send = post("/eventbus/000/valid1/xhr_send",
        new JsonArray().add(new JsonObject().put("type", "ping").encode()).encode(), 5);
    assertEquals(204, send.status(), send.toString());
  }
}
