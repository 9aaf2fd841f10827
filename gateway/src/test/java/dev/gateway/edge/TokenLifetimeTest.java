package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawHandshake;
import dev.gateway.support.TestGateway;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.StreamingSession;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Tokens must expire, and soon: with the defaults ({@code auth.requireExpiry=true},
 * {@code auth.maxTokenLifetimeSeconds=86400}) a token without {@code exp}, or living longer than
 * a day from {@code iat} (from now when it has none) to {@code exp}, is {@code invalid_token}:
 * 401 at the {@code /ws} handshake, close 1008 for a SockJS session's first message.
 */
class TokenLifetimeTest {

  static final long DAY = 86_400;
  static final String INVALID = "gateway_auth_failures_total{reason=\"invalid_token\"}";
  static TestGateway strict;
  static Vertx clients;

  @BeforeAll
  static void start() {
    strict = TestGateway.start(Edge.config("auth", Edge.auth("required")));
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    clients.close().await();
    strict.close();
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** A signed token with exactly these claims (a sub and a channel grant added). */
  static String token(Object... claimsAndValues) {
    JsonObject c = new JsonObject().put("sub", "u").put("subscribe", new JsonArray().add("chat.*"));
    for (int i = 0; i < claimsAndValues.length; i += 2) {
      c.put((String) claimsAndValues[i], claimsAndValues[i + 1]);
    }
    return Edge.jwt(c);
  }

  static HttpWire.Response upgrade(TestGateway gw, String token) {
    Map<String, String> h = RawHandshake.upgradeHeaders(gw.port, RawHandshake.newKey());
    h.put("Authorization", "Bearer " + token);
    return Edge.step("upgrade", () -> {
      try (HttpWire w = HttpWire.open("127.0.0.1", gw.port)) {
        return w.send("GET", "/ws", h, null).response(3);
      }
    });
  }

  static Executable accepted(TestGateway gw, String token, String what) {
    HttpWire.Response r = upgrade(gw, token);
    return () -> assertEquals(101, r.status(), what + ": " + r);
  }

  static Executable refused(TestGateway gw, String token, String what, String because) {
    HttpWire.Response r = upgrade(gw, token);
    return () -> {
      assertEquals(401, r.status(), what + ": " + r);
      assertEquals("invalid_token", r.error(), what + ": " + r);
      assertTrue(r.body().contains(because), what + ": the message should say why (" + because + "): " + r);
    };
  }

  @Test
  void atTheHandshakeATokenMustExpireWithinADay() {
    long now = now();
    double before = strict.metric(INVALID);
    List<Executable> checks = new ArrayList<>();
    checks.add(accepted(strict, token("iat", now, "exp", now + 60), "a minute"));
    checks.add(accepted(strict, token("iat", now, "exp", now + DAY), "exactly a day"));
    checks.add(accepted(strict, token("exp", now + 3600), "an hour from now, no iat"));
    checks.add(refused(strict, token("iat", now), "no exp", "exp"));
    checks.add(refused(strict, token(), "neither exp nor iat", "exp"));
    checks.add(refused(strict, token("iat", now, "exp", now + DAY + 1), "a day and a second", "lifetime"));
    checks.add(refused(strict, token("iat", now - 2 * DAY, "exp", now + 60), "issued two days ago", "lifetime"));
    checks.add(refused(strict, token("exp", now + 2 * DAY), "two days from now, no iat", "lifetime"));
    checks.add(refused(strict, token("iat", now, "exp", now + 3650 * DAY), "ten years", "lifetime"));
    assertAll(checks);
    assertEquals(before + 6, strict.metric(INVALID), 0.0, INVALID);
  }

  @Test
  void theLimitsAreSettings() {
    try (TestGateway lenient = TestGateway.start(Edge.config("auth", Edge.auth("required",
        "requireExpiry", false, "maxTokenLifetimeSeconds", 3 * DAY)))) {
      long now = now();
      assertAll(
          accepted(lenient, token("iat", now), "no exp, expiry not required"),
          accepted(lenient, token(), "no exp and no iat, expiry not required"),
          accepted(lenient, token("iat", now, "exp", now + 2 * DAY), "two days, up to three allowed"),
          refused(lenient, token("iat", now, "exp", now + 4 * DAY), "four days", "lifetime"));
    }
  }

  /** SockJS authenticates with its first message: a token that never expires closes it with 1008. */
  @Test
  void aSockJsSessionsFirstMessageNeedsAnExpiringToken() {
    JsonObject register = new JsonObject().put("type", "register").put("address", "chat.life").put("ack", "a");
    try (StreamingSession forever = SockJsSession.xhrStreaming(clients, strict.port);
         StreamingSession minute = SockJsSession.xhrStreaming(clients, strict.port)) {
      forever.send(register.copy().put("headers", new JsonObject().put("token", token("iat", now()))));
      assertTrue(forever.awaitCondition(() -> forever.closeFrame() != null, 5),
          "a token without exp was accepted; frames " + forever.frames());
      assertEquals(1008, forever.closeFrame().getInteger(0), forever.closeFrame().encode());

      minute.send(register.copy().put("headers", new JsonObject()
          .put("token", token("iat", now(), "exp", now() + 60))));
      assertNotNull(minute.await(m -> "ack".equals(m.getString("type")), 5),
          "an expiring token was refused; frames " + minute.frames());
    }
  }
}
