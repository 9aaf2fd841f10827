package dev.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawHandshake.HttpHead;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token offered as a WebSocket subprotocol on {@code /ws} ({@code Sec-WebSocket-Protocol:
 * v1.eventbus.gateway, token.<jwt>}, the way browsers can send one without putting it in the
 * URL): the gateway selects {@code v1.eventbus.gateway}, never echoes the token entry, accepts a
 * valid token (its claims are the connection's grant) and refuses an invalid one with 401. Where
 * several are given, {@code Authorization} wins over the subprotocol, which wins over
 * {@code ?token=}. Hand-written handshakes over a socket, with {@code auth.mode=required}.
 */
class SubprotocolTokenTest {

  static final String SECRET = "subprotocol-tests-secret-0123456789abcdef";
  static final String GATEWAY = "v1.eventbus.gateway";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      // news.*: a channel namespace of the configuration, which the tokens' grant narrows
      .put("permissions", new JsonObject().put("subscribe", new JsonArray().add("chat.*").add("news.*")))
      .put("auth", new JsonObject().put("mode", "required").put("hs256Secret", SECRET).put("leewaySeconds", 0)));

  static String valid;
  static String forged;

  @BeforeAll
  static void tokens() {
    valid = sign(SECRET);
    forged = sign("another-secret-of-enough-length-0123456789");
  }

  static String sign(String secret) {
    JWTAuth signer = JWTAuth.create(gw.client(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return signer.generateToken(new JsonObject().put("sub", "ann").put("jti", UUID.randomUUID().toString())
        .put("subscribe", new JsonArray().add("news.*")), new JWTOptions().setExpiresInSeconds(60));
  }

  /** A valid upgrade of {@code target} with these extra headers; the answer's head (and body, if any). */
  static Answer handshake(String target, Map<String, String> extra) {
    RawWebSocket ws = RawWebSocket.open(gw.port());
    Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
    h.putAll(extra);
    HttpHead head = ws.request("GET", target, h);
    String body = "";
    String length = head.header("Content-Length");
    if (head.status() != 101 && length != null && Integer.parseInt(length) > 0) {
      body = new String(ws.readBytes(Integer.parseInt(length), 5), StandardCharsets.UTF_8);
    }
    return new Answer(ws, head, body);
  }

  record Answer(RawWebSocket ws, HttpHead head, String body) implements AutoCloseable {
    String error() {
      return new JsonObject(body).getString("error");
    }

    /** A register with an ack: "ack" when granted, the error code otherwise. */
    String register(String address) {
      ws.send(RawFrame.text(new JsonObject().put("type", "register").put("address", address).put("ack", "a1").encode()));
      JsonObject answer = new JsonObject(ws.awaitText(5));
      return "ack".equals(answer.getString("type")) ? "ack" : answer.getString("body");
    }

    @Override
    public void close() {
      ws.close();
    }
  }

  static Map<String, String> offering(String protocols) {
    return Map.of("Sec-WebSocket-Protocol", protocols);
  }

  @Test
  void aValidTokenIsAcceptedAndTheGatewaySubprotocolSelected() {
    try (Answer a = handshake("/ws", offering(GATEWAY + ", token." + valid))) {
      assertEquals(101, a.head().status(), a.head().toString());
      assertEquals(GATEWAY, a.head().header("Sec-WebSocket-Protocol"), "selected subprotocol");
      assertFalse(a.head().text().contains(valid), "the token was echoed: " + a.head());
      assertFalse(a.head().text().contains("token."), "the token entry was echoed: " + a.head());
      assertEquals("ack", a.register("news.sports"), "the token's grant: news.*");
      assertEquals("access_denied", a.register("chat.lobby"), "nothing beyond the token's grant");
    }
  }

  @Test
  void anInvalidTokenIsRefusedWith401AndNotEchoed() {
    try (Answer a = handshake("/ws", offering(GATEWAY + ", token." + forged))) {
      assertEquals(401, a.head().status(), a.head().toString());
      assertEquals("invalid_token", a.error(), a.body());
      assertFalse(a.head().text().contains(forged) || a.body().contains(forged), "the token was echoed: " + a.body());
      assertNull(a.head().header("Sec-WebSocket-Protocol"), "a refusal selects nothing");
    }
  }

  @Test
  void aTokenOfferedAloneIsUsedAndNothingIsSelected() {
    try (Answer a = handshake("/ws", offering("token." + valid))) {
      assertEquals(101, a.head().status(), a.head().toString());
      assertNull(a.head().header("Sec-WebSocket-Protocol"), "the token entry was selected: " + a.head());
      assertEquals("ack", a.register("news.alone"));
    }
  }

  @Test
  void authorizationWinsOverTheSubprotocolWhichWinsOverTheQuery() {
    assertAll(
        () -> assertEquals(101, status("/ws", Map.of("Authorization", "Bearer " + valid,
            "Sec-WebSocket-Protocol", GATEWAY + ", token." + forged)), "valid Authorization, forged subprotocol"),
        () -> assertEquals(401, status("/ws", Map.of("Authorization", "Bearer " + forged,
            "Sec-WebSocket-Protocol", GATEWAY + ", token." + valid)), "forged Authorization, valid subprotocol"),
        () -> assertEquals(101, status("/ws?token=" + forged, offering(GATEWAY + ", token." + valid)),
            "valid subprotocol, forged query"),
        () -> assertEquals(401, status("/ws?token=" + valid, offering(GATEWAY + ", token." + forged)),
            "forged subprotocol, valid query"));
  }

  private static int status(String target, Map<String, String> extra) {
    try (Answer a = handshake(target, extra)) {
      return a.head().status();
    }
  }
}
