package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import dev.gateway.transport.gate.HandshakeSteps;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A connection slot taken by a handshake comes back on every way out of it: for each step of
 * each kind of handshake, an exception thrown at that step (as a bug would) leaves the client
 * with an error answer or a closed connection, and the node with no slot held; a normal client
 * still connects afterwards. The observer of {@link HandshakeSteps} is the only seam; the
 * handshakes are real ones over sockets.
 */
class HandshakeLifecycleTest {

  static TestGateway gateway;
  static Vertx client;

  @BeforeAll
  static void start() {
    // a small node budget: a leak of a few slots would show at once as 503s
    gateway = TestGateway.start(Edge.config(
        "auth", Edge.auth("optional"),
        "limits", new JsonObject().put("maxConnections", 4)));
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    HandshakeSteps.observe(null);
    client.close().await(10, TimeUnit.SECONDS);
    gateway.close();
  }

  @AfterEach
  void noObserver() {
    HandshakeSteps.observe(null);
  }

  /** Throws at {@code step} of every handshake while {@code handshake} runs (3 times over). */
  private static void throwAt(String step, String what, Runnable handshake) throws Exception {
    HandshakeSteps.observe(s -> {
      if (s.equals(step)) {
        throw new IllegalStateException("injected at " + step);
      }
    });
    try {
      for (int i = 0; i < 3; i++) {
        handshake.run();
      }
    } finally {
      HandshakeSteps.observe(null);
    }
    Edge.assertHolds(gateway, 0, 0, 1, what + " failing at step '" + step + "'");
    try (BridgeClient ok = BridgeClient.connect(client, gateway.port)) {
      ok.register("chat.after");
    }
    Edge.assertHolds(gateway, 0, 0, 1, "a normal client after " + what + " failed at '" + step + "'");
  }

  /** A /ws upgrade with a valid token: refused with 500, or upgraded and then closed by the node. */
  private static void nativeWebSocket() {
    String token = Edge.validJwt(new JsonObject().put("sub", "u").put("subscribe", "chat.*"));
    try (RawWebSocket ws = RawWebSocket.open(gateway.port)) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
      h.put("Authorization", "Bearer " + token);
      int status = ws.request("GET", "/ws", h).status();
      if (status == 101) {
        assertEquals(1011, ws.awaitCloseCode(5), "an upgraded socket that failed to open");
      } else {
        assertEquals(500, status);
      }
    }
  }

  private static void sockJsWebSocket(String path) {
    try (RawWebSocket ws = RawWebSocket.open(gateway.port)) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
      int status = ws.request("GET", path, h).status();
      if (status == 101) {
        RawWebSocket.Drain d = ws.drain(5_000);
        assertNotEquals("timeout", d.end(), "an upgraded socket that failed to open stays open: " + d);
      } else {
        assertEquals(500, status);
      }
    }
  }

  private static void sockJsPolling() {
    String session = "lc" + UUID.randomUUID().toString().substring(0, 8);
    HttpWire.Response r = HttpWire.sockJs("127.0.0.1", gateway.port, session, "xhr", "", 5);
    assertEquals(500, r.status(), "a session that failed to open: " + r);
  }

  @Test
  void everyStepOfANativeWebSocketHandshake() throws Exception {
    for (String step : List.of(HandshakeSteps.ADMITTED, HandshakeSteps.VERIFYING,
        HandshakeSteps.VERIFIED, HandshakeSteps.UPGRADED, HandshakeSteps.OPENED)) {
      throwAt(step, "/ws", HandshakeLifecycleTest::nativeWebSocket);
    }
  }

  @Test
  void everyStepOfBothSockJsWebSocketHandshakes() throws Exception {
    for (String step : List.of(HandshakeSteps.ADMITTED, HandshakeSteps.UPGRADED, HandshakeSteps.OPENED)) {
      throwAt(step, "/eventbus/websocket", () -> sockJsWebSocket("/eventbus/websocket"));
      throwAt(step, "/eventbus/S/S/websocket",
          () -> sockJsWebSocket("/eventbus/000/" + UUID.randomUUID().toString().substring(0, 8) + "/websocket"));
    }
  }

  @Test
  void everyStepOfOpeningASockJsSession() throws Exception {
    for (String step : List.of(HandshakeSteps.ADMITTED, HandshakeSteps.OPENED)) {
      throwAt(step, "an xhr-polling session", HandshakeLifecycleTest::sockJsPolling);
    }
  }

  @Test
  void theObserverSeesEveryStepOfAHandshakeThatSucceeds() throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    HandshakeSteps.observe(seen::add);
    String token = Edge.validJwt(new JsonObject().put("sub", "u"));
    try (RawWebSocket ws = RawWebSocket.open(gateway.port)) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gateway.port, RawHandshake.newKey());
      h.put("Authorization", "Bearer " + token);
      assertEquals(101, ws.request("GET", "/ws", h).status());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (seen.size() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
    // positive control: the steps the other tests throw at are the ones a handshake passes
    assertEquals(List.of(HandshakeSteps.ADMITTED, HandshakeSteps.VERIFYING, HandshakeSteps.VERIFIED,
        HandshakeSteps.UPGRADED, HandshakeSteps.OPENED), seen);
    assertTrue(Edge.find(gateway, Edge.SLOTS).isPresent());
  }
}
