package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Hostile handshakes are answered and hold nothing. Malformed queries are 400 {@code bad_request}
 * and malformed, unsigned or mistyped tokens 401 {@code invalid_token}, however often they come;
 * half-open, trickled and silent connections are closed at {@code server.headerTimeoutMs};
 * one address holds at most {@code limits.maxConnectionsPerAddress} connections (then 429
 * {@code address_limit} with Retry-After) while other addresses connect. Afterwards the node
 * holds only its healthy clients (connections, slots, queued bytes), and a healthy neighbour
 * received every message meanwhile.
 */
class HostileHandshakeTest {

  static final String HOSTILE = "127.0.0.5";

  Vertx clients;
  TestGateway gateway;
  final List<HttpWire> held = new ArrayList<>();

  @BeforeEach
  void clients() {
    clients = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    held.forEach(HttpWire::close);
    clients.close().await();
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpWire hold(HttpWire w) {
    held.add(w);
    return w;
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Tokens no verifier may accept, each with its description. */
  static Map<String, String> badTokens() {
    long now = System.currentTimeMillis() / 1000;
    Map<String, String> t = new LinkedHashMap<>();
    t.put("garbage", "garbage");
    t.put("three empty parts", "..");
    t.put("a.b.c", "a.b.c");
    t.put("alg none", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64("{\"sub\":\"x\",\"exp\":" + (now + 60) + "}") + ".");
    t.put("signed, exp a string", Edge.jwt(new JsonObject().put("exp", "soon")));
    t.put("signed, exp an object", Edge.jwt(new JsonObject().put("exp", new JsonObject())));
    t.put("signed, nbf an array", Edge.jwt(new JsonObject().put("exp", now + 60).put("nbf", new JsonArray().add(1))));
    t.put("signed, iat a boolean", Edge.jwt(new JsonObject().put("exp", now + 60).put("iat", true)));
    t.put("signed, expired", Edge.jwt(new JsonObject().put("exp", now - 3600)));
    t.put("signed, claims not an object", Edge.jwt("[1,2]"));
    t.put("signed, claims not JSON", Edge.jwt("{\"exp\":"));
    return t;
  }

  private HttpWire.Response upgrade(String source, String target) {
    return upgrade(source, target, 2);
  }

  private HttpWire.Response upgrade(String source, String target, long seconds) {
    return Edge.step("GET " + target + " from " + source, () -> {
      try (HttpWire w = HttpWire.open(source, gateway.port)) {
        return w.send("GET", target, RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()), null)
            .response(seconds);
      }
    });
  }

  /** The same request again and again, each on its own connection, not waiting long for answers. */
  private void repeat(String source, String target, int times) {
    for (int i = 0; i < times; i++) {
      try (HttpWire w = HttpWire.open(source, gateway.port)) {
        if (target.startsWith("POST ")) {
          w.send("POST", target.substring(5), Map.of(), "");
        } else {
          w.send("GET", target, RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()), null);
        }
        w.awaitClosed(30);
      }
    }
  }

  private Executable answers(int status, String error, String source, String target) {
    return () -> {
      HttpWire.Response r = target.startsWith("POST ")
          ? Edge.step(target, () -> HttpWire.exchange(source, gateway.port, "POST", target.substring(5), Map.of(), "", 1))
          : upgrade(source, target, 1);
      assertEquals(status, r.status(), target + " answered " + r);
      assertEquals(error, r.error(), target + " answered " + r);
    };
  }

  @Test
  void malformedQueriesAndTokensAreRefusedAndHoldNothing() throws Exception {
    gateway = TestGateway.start(Edge.config("auth", Edge.auth("optional")));
    try (Neighbour healthy = Neighbour.start(clients, gateway, "chat.neighbour", null)) {
      List<String> bad = new ArrayList<>();
      for (String q : new String[] {"?%", "?x=%zz", "?token=%E0%A4%A", "?token=%zz", "?token=%", "?%%%"}) {
        bad.add("/ws" + q);
        bad.add("/eventbus/websocket" + q);
        bad.add("POST /eventbus/000/hq" + q.length() + "/xhr" + q);
      }
      List<Executable> checks = new ArrayList<>();
      for (String target : bad) {
        checks.add(answers(400, "bad_request", HOSTILE, target));
      }
      badTokens().forEach((what, token) -> checks.add(answers(401, "invalid_token", HOSTILE, "/ws?token=" + token)));
      checks.add(() -> { // the same again, many times: nothing accumulates
        bad.forEach(target -> repeat(HOSTILE, target, 3));
        badTokens().values().forEach(token -> repeat(HOSTILE, "/ws?token=" + token, 3));
      });
      checks.add(() -> Edge.assertHolds(gateway, 1, 1, 64 * 1024, "malformed queries and tokens"));
      checks.add(() -> healthy.assertReceivedAll("during malformed handshakes"));
      assertAll(checks);
    }
  }

  @Test
  void halfOpenSlowAndSilentConnectionsAreClosedAndHoldNothing() throws Exception {
    gateway = TestGateway.start(Edge.config("server", new JsonObject().put("headerTimeoutMs", 1000)));
    try (Neighbour healthy = Neighbour.start(clients, gateway, "chat.neighbour", null)) {
      List<HttpWire> hostile = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        hostile.add(hold(HttpWire.open(HOSTILE, gateway.port).write("GET /ws HTT")));
        hostile.add(hold(HttpWire.open(HOSTILE, gateway.port))); // connects, sends nothing
        // a whole upgrade head but the blank line that ends it
        String head = new String(RawHandshake.request("GET", "/eventbus/websocket",
            RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey())), StandardCharsets.ISO_8859_1);
        hostile.add(hold(HttpWire.open(HOSTILE, gateway.port).write(head.substring(0, head.length() - 2))));
      }
      HttpWire trickle = hold(HttpWire.open(HOSTILE, gateway.port).write("GET /ws HTTP/1.1\r\n"));
      long start = System.nanoTime();
      boolean trickleClosed = false;
      while (!trickleClosed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3)) {
        trickleClosed = !trickle.tryWrite("X") || trickle.awaitClosed(100);
      }
      int stillOpen = 0;
      for (HttpWire w : hostile) {
        stillOpen += w.awaitClosed(Math.max(1, 3000 - (System.nanoTime() - start) / 1_000_000)) ? 0 : 1;
      }
      HttpWire.Response meanwhile = upgrade("127.0.0.6", "/ws");
      int open = stillOpen;
      boolean trickled = trickleClosed;
      assertAll(
          () -> assertEquals(0, open, open + " of " + hostile.size() + " half-open or silent connections still open after 3 s"
              + " (server.headerTimeoutMs 1000)"),
          () -> assertTrue(trickled, "a head trickled one byte every 100 ms still open after 3 s"),
          () -> assertEquals(101, meanwhile.status(), "a healthy upgrade from 127.0.0.6: " + meanwhile),
          () -> Edge.assertHolds(gateway, 1, 1, 64 * 1024, "half-open, slow and silent connections"),
          () -> healthy.assertReceivedAll("during half-open handshakes"));
    }
  }

  @Test
  void oneAddressHoldsAtMostMaxConnectionsPerAddress() throws Exception {
    gateway = TestGateway.start(Edge.config("limits", new JsonObject().put("maxConnectionsPerAddress", 3)));
    String crowded = "127.0.0.7";
    for (int i = 0; i < 3; i++) {
      HttpWire w = hold(HttpWire.open(crowded, gateway.port));
      int status = w.send("GET", "/ws", RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey()), null).head(2).status();
      assertEquals(101, status, "connection " + (i + 1) + " of 3 from " + crowded);
    }
    HttpWire.Response fourth = upgrade(crowded, "/ws");
    HttpWire.Response sockJs = Edge.step("xhr_streaming from " + crowded, () -> {
      try (HttpWire w = HttpWire.sockJs(crowded, gateway.port, "crowd1", "xhr_streaming", null)) {
        return w.head(2).status() == 200 ? new HttpWire.Response(200, Map.of(), w.awaitBody("o\n", 2)) : w.response(2);
      }
    });
    HttpWire.Response other = upgrade("127.0.0.8", "/ws");
    assertAll(
        () -> assertEquals(429, fourth.status(), "a 4th /ws from " + crowded + ": " + fourth),
        () -> assertEquals("address_limit", fourth.error(), "a 4th /ws from " + crowded + ": " + fourth),
        () -> assertNotNull(fourth.header("Retry-After"), "Retry-After on " + fourth),
        () -> assertEquals(429, sockJs.status(), "a SockJS session from " + crowded + ": " + sockJs),
        () -> assertEquals(101, other.status(), "/ws from 127.0.0.8 meanwhile: " + other));
    held.remove(0).close();
    TimeUnit.MILLISECONDS.sleep(300);
    assertEquals(101, upgrade(crowded, "/ws").status(), "/ws from " + crowded + " once one of its connections closed");
    held.forEach(HttpWire::close);
    held.clear();
    Edge.assertHolds(gateway, 0, 0, 1, "every connection closed");
  }

  /** An IPv6 client behind a trusted proxy counts by its /64: one household, one budget. */
  @Test
  void forwardedIpv6ClientsCountByTheirSlash64() throws Exception {
    gateway = TestGateway.start(Edge.config(
        "security", new JsonObject().put("trustedProxies", new JsonArray().add("127.0.0.1")),
        "limits", new JsonObject().put("maxConnectionsPerAddress", 2)));
    java.util.function.Function<String, HttpWire> viaProxy = client -> {
      Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
      h.put("X-Forwarded-For", client);
      return hold(HttpWire.open("127.0.0.1", gateway.port)).send("GET", "/ws", h, null);
    };
    int first = viaProxy.apply("2001:db8:1:2::1").head(2).status();
    int second = viaProxy.apply("2001:db8:1:2::2").head(2).status();
    HttpWire.Response sameSlash64 = Edge.step("a third from 2001:db8:1:2::/64",
        () -> viaProxy.apply("2001:db8:1:2:ffff::9").response(2));
    int otherSlash64 = viaProxy.apply("2001:db8:1:3::1").head(2).status();
    assertAll(
        () -> assertEquals(101, first, "2001:db8:1:2::1"),
        () -> assertEquals(101, second, "2001:db8:1:2::2"),
        () -> assertEquals(429, sameSlash64.status(), "2001:db8:1:2:ffff::9 (same /64, limit 2): " + sameSlash64),
        () -> assertEquals("address_limit", sameSlash64.error(), "2001:db8:1:2:ffff::9: " + sameSlash64),
        () -> assertEquals(101, otherSlash64, "2001:db8:1:3::1 (another /64)"));
  }
}
