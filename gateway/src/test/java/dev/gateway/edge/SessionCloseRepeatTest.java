package dev.gateway.edge;

import static dev.gateway.edge.HttpWire.frames;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A SockJS session the gateway closes stays closed until it times out: the receiving request
 * attached at that moment gets {@code c[CODE,"reason"]} with the gateway's close code, and every
 * later receiving request on the same session id gets the same frame again (never {@code o}, a
 * new session), on xhr-polling and xhr-streaming, whether the close came from a revoked token
 * (4501) or from the rate limit (4003).
 */
class SessionCloseRepeatTest {

  static final String REVOKED = "c[4501,\"token revoked\"]";
  static final String RATE_LIMITED = "c[4003,\"rate limit exceeded\"]";

  TestGateway gateway;
  final List<HttpWire> held = new ArrayList<>();

  @AfterEach
  void stop() {
    held.forEach(HttpWire::close);
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpWire hold(HttpWire w) {
    held.add(w);
    return w;
  }

  private HttpWire.Response poll(String id) {
    return HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr", null, 3);
  }

  /** A poll that must be answered within 3 s (a closed session answers at once). */
  private HttpWire.Response poll(String id, String what) {
    try {
      return poll(id);
    } catch (AssertionError e) {
      throw new AssertionError(what + ": " + e.getMessage(), e);
    }
  }

  private HttpWire.Response send(String id, JsonObject... messages) {
    return HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr_send", frames(messages), 3);
  }

  /** A token with a jti, and a register that authenticates the session with it. */
  private static JsonObject authenticatedRegister(String jti, String ack) {
    String token = Edge.validJwt(new JsonObject().put("jti", jti).put("subscribe", new JsonArray().add("news.*")));
    return new JsonObject().put("type", "register").put("address", "news.closing").put("ack", ack)
        .put("headers", new JsonObject().put("token", token));
  }

  private void revoke(String jti) {
    HttpWire.Response r = HttpWire.exchange("127.0.0.1", gateway.port, "POST", "/api/revoke",
        Map.of("Content-Type", "application/json"), new JsonObject().put("jti", jti).encode(), 3);
    assertEquals(202, r.status(), "revoke: " + r);
  }

  @Test
  void revokedPollingSessionRepeatsItsCloseFrame() throws Exception {
    gateway = TestGateway.start(Edge.config("auth", Edge.auth("optional"),
        "permissions", Edge.channels("news.*")));
    String id = "rev" + System.nanoTime();
    String jti = "jti-" + id;
    assertEquals("o\n", poll(id).body());
    assertEquals(204, send(id, authenticatedRegister(jti, "revpoll-ack")).status());
    assertTrue(poll(id).body().contains("revpoll-ack"), "the register was answered");
    HttpWire attached = hold(HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr", null));
    TimeUnit.MILLISECONDS.sleep(200);
    revoke(jti);
    HttpWire.Response closing = attached.response(3);
    assertAll( // in this order
        () -> assertEquals(REVOKED + "\n", closing.body(), "the attached poll"),
        () -> assertEquals(REVOKED + "\n", poll(id, "the next poll on the closed session").body(),
            "the next poll on the closed session"),
        () -> assertEquals(REVOKED + "\n", poll(id, "the poll after that").body(), "the poll after that"));
  }

  @Test
  void rateLimitedPollingSessionRepeatsItsCloseFrame() throws Exception {
    gateway = TestGateway.start(Edge.config("limits", new JsonObject()
        .put("messagesPerSecond", 1).put("messageBurst", 1).put("rateLimitStrikes", 0)));
    String id = "rate" + System.nanoTime();
    assertEquals("o\n", poll(id).body());
    HttpWire attached = hold(HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr", null));
    TimeUnit.MILLISECONDS.sleep(200);
    JsonObject ping = new JsonObject().put("type", "ping");
    send(id, ping, ping, ping, ping, ping);
    HttpWire.Response closing = attached.response(3);
    assertTrue(closing.body().startsWith("c[4003,"), "the attached poll got " + closing);
    assertAll(
        () -> assertEquals(RATE_LIMITED + "\n", closing.body(), "the attached poll"),
        () -> assertEquals(closing.body(), poll(id, "the next poll on the closed session").body(),
            "the next poll on the closed session"));
  }

  @Test
  void revokedStreamingSessionRepeatsItsCloseFrame() throws Exception {
    gateway = TestGateway.start(Edge.config("auth", Edge.auth("optional"),
        "permissions", Edge.channels("news.*")));
    String id = "revs" + System.nanoTime();
    String jti = "jti-" + id;
    HttpWire stream = hold(HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr_streaming", null));
    stream.awaitBody("o\n", 3);
    assertEquals(204, send(id, authenticatedRegister(jti, "revstream-ack")).status());
    stream.awaitBody("revstream-ack", 3);
    revoke(jti);
    stream.awaitBody(REVOKED, 3);
    assertAll( // in this order
        () -> {
          try (HttpWire reopened = HttpWire.sockJs("127.0.0.1", gateway.port, id, "xhr_streaming", null)) {
            assertEquals(REVOKED, reopened.firstFrame(3), "a new stream on the closed session");
          }
        },
        () -> assertEquals(REVOKED + "\n", poll(id, "a poll on the closed session").body(),
            "a poll on the closed session"));
  }
}
