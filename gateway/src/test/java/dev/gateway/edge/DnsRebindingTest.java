package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * DNS rebinding against the HTTP API: a page on {@code evil.example}, whose name its attacker
 * re-points at 127.0.0.1, reaches the gateway from the user's own browser, so from loopback,
 * with {@code Host} and {@code Origin} naming {@code evil.example}. Without {@code api.key} the
 * API refuses every request with an Origin and every Host that is not a loopback name or
 * address (403, JSON error); with a key the key decides.
 */
class DnsRebindingTest {

  static final String KEY = "rebinding-test-key-0123456789";
  static TestGateway open;
  static TestGateway keyed;
  static Vertx clients;

  @BeforeAll
  static void start() {
    open = TestGateway.start(Edge.config());
    keyed = TestGateway.start(Edge.config("api", new JsonObject().put("key", KEY)));
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    clients.close().await();
    open.close();
    keyed.close();
  }

  static HttpWire.Response post(TestGateway gw, String path, Map<String, String> headers, JsonObject body) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/json");
    return Edge.step("POST " + path + " " + headers,
        () -> HttpWire.exchange("127.0.0.1", gw.port, "POST", path, h, body.encode(), 3));
  }

  static JsonObject publish(String address, String body) {
    return new JsonObject().put("address", address).put("body", body);
  }

  static Executable answers(int status, String error, HttpWire.Response r, String what) {
    return () -> {
      assertEquals(status, r.status(), what + ": " + r);
      assertEquals(error, r.error(), what + ": " + r);
    };
  }

  @Test
  void aRebindingPageCanNeitherPublishNorRevoke() {
    Map<String, String> evil = Map.of("Host", "evil.example:" + open.port,
        "Origin", "http://evil.example:" + open.port);
    try (BridgeClient sub = BridgeClient.connect(clients, open.port).register("chat.rebind")) {
      HttpWire.Response published = post(open, "/api/publish", evil, publish("chat.rebind", "forged"));
      HttpWire.Response revoked = post(open, "/api/revoke", evil, new JsonObject().put("jti", "victim"));
      assertAll(
          answers(403, "origin_rejected", published, "publish from a rebinding page"),
          answers(403, "origin_rejected", revoked, "revoke from a rebinding page"),
          () -> assertEquals("application/json", published.header("content-type"), published.toString()));
      assertEquals(202, post(open, "/api/publish", Map.of(), publish("chat.rebind", "real")).status());
      JsonObject rec = sub.awaitRec("chat.rebind", 5);
      assertNotNull(rec, "the accepted publish was not delivered");
      assertEquals("real", rec.getValue("body"), "the first message the subscriber got");
    }
  }

  @Test
  void withoutAKeyAnyOriginIsRefusedEvenTheGatewaysOwn() {
    String own = "http://127.0.0.1:" + open.port;
    assertAll(
        answers(403, "origin_rejected",
            post(open, "/api/publish", Map.of("Origin", own), publish("chat.a", "x")), "own origin"),
        answers(403, "origin_rejected",
            post(open, "/api/publish", Map.of("Origin", "null"), publish("chat.a", "x")), "Origin null"),
        answers(403, "origin_rejected",
            post(open, "/api/revoke", Map.of("Origin", own), new JsonObject().put("jti", "j")), "revoke, own origin"));
  }

  @Test
  void withoutAKeyHostMustNameLoopback() {
    int port = open.port;
    List<Executable> checks = new ArrayList<>();
    for (String host : List.of("evil.example:" + port, "evil.example", "127.0.0.1.evil.example:" + port,
        "localhost.evil.example", "10.0.0.1:" + port, "[::2]:" + port, "0.0.0.0:" + port)) {
      checks.add(answers(403, "host_rejected",
          post(open, "/api/publish", Map.of("Host", host), publish("chat.a", "x")), "Host " + host));
    }
    for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "127.8.9.10:" + port, "localhost:" + port,
        "LocalHost", "[::1]:" + port, "[::1]")) {
      HttpWire.Response r = post(open, "/api/publish", Map.of("Host", host), publish("chat.a", "x"));
      checks.add(() -> assertEquals(202, r.status(), "Host " + host + ": " + r));
    }
    checks.add(answers(403, "host_rejected",
        post(open, "/api/revoke", Map.of("Host", "evil.example:" + port), new JsonObject().put("jti", "j")),
        "revoke, Host evil.example"));
    assertAll(checks);
  }

  @Test
  void withAKeyTheKeyDecides() {
    Map<String, String> evil = Map.of("Host", "evil.example:" + keyed.port,
        "Origin", "http://evil.example:" + keyed.port);
    Map<String, String> withKey = new LinkedHashMap<>(evil);
    withKey.put("Authorization", "Bearer " + KEY);
    assertAll(
        answers(401, "unauthorized", post(keyed, "/api/publish", evil, publish("chat.k", "x")), "no key"),
        () -> assertEquals(202, post(keyed, "/api/publish", withKey, publish("chat.k", "x")).status(),
            "a backend holding the key, behind any host name"));
  }
}
