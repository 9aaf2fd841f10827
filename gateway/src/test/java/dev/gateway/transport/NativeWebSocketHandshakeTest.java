package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake.HttpHead;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Native WebSocket handshake: subprotocol negotiation and requests that are not upgrades. */
class NativeWebSocketHandshakeTest {

  static final String SUBPROTOCOL = "v1.eventbus.gateway";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();

  static WebSocketConnectOptions options(String... subprotocols) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port()).setURI("/ws")
        .setSubProtocols(subprotocols.length == 0 ? null : List.of(subprotocols));
  }

  /** The connection speaks the protocol: a register is acknowledged. */
  static void assertWorks(BridgeClient c) {
    c.register("chat.handshake");
    c.publish("chat.handshake", "x");
    assertEquals("x", c.awaitRec("chat.handshake", 5).getValue("body"));
  }

  @Test
  void offeringTheGatewaySubprotocolSelectsIt() {
    try (BridgeClient c = BridgeClient.connect(gw.client(), options(SUBPROTOCOL))) {
      assertEquals(SUBPROTOCOL, c.socket.subProtocol());
      assertWorks(c);
    }
  }

  @Test
  void offeringSeveralSelectsTheGatewaySubprotocol() {
    try (BridgeClient c = BridgeClient.connect(gw.client(), options("foo", SUBPROTOCOL, "bar"))) {
      assertEquals(SUBPROTOCOL, c.socket.subProtocol());
      assertWorks(c);
    }
  }

  @Test
  void offeringNoneConnectsWithNone() {
    try (BridgeClient c = BridgeClient.connect(gw.client(), options())) {
      assertNull(c.socket.subProtocol());
      assertWorks(c);
    }
  }

  /**
   * Netty's (so Vert.x's) client refuses a handshake answered without the subprotocol it offered,
   * stricter than RFC 6455 4.1 and browsers: this one speaks the handshake and frames itself.
   */
  @Test
  void offeringOnlyAnUnknownSubprotocolConnectsWithNone() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      HttpHead raw = ws.request("GET", "/ws", upgradeOffering("foo"));
      assertEquals(101, raw.status(), raw.text());
      assertEquals(RawHandshake.ACCEPT, raw.header("Sec-WebSocket-Accept"), raw.text());
      assertNull(raw.header("Sec-WebSocket-Protocol"), "a subprotocol was selected: " + raw.text());
      // the connection speaks the protocol
      ws.send(RawFrame.text("{\"type\":\"register\",\"address\":\"chat.raw\",\"ack\":\"r1\"}"));
      assertEquals(new JsonObject().put("type", "ack").put("ack", "r1"), new JsonObject(ws.readText(5)));
    }
  }

  @Test
  void rawHandshakeSelectsTheGatewaySubprotocol() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      HttpHead raw = ws.request("GET", "/ws", upgradeOffering("foo, " + SUBPROTOCOL));
      assertEquals(101, raw.status(), raw.text());
      assertEquals(SUBPROTOCOL, raw.header("Sec-WebSocket-Protocol"), raw.text());
    }
  }

  /** A valid upgrade request (RFC 6455 sample key) offering these subprotocols. */
  static Map<String, String> upgradeOffering(String protocols) {
    Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.KEY);
    h.put("Sec-WebSocket-Protocol", protocols);
    return h;
  }

  @Test
  void plainGetWithoutUpgradeIs400() {
    HttpResponse<Buffer> resp = await(gw.web().get(gw.port(), "127.0.0.1", "/ws").send());
    assertEquals(400, resp.statusCode());
    assertTrue(resp.bodyAsString().toLowerCase(Locale.ROOT).contains("upgrade"), resp.bodyAsString());
  }

  @Test
  void upgradeWithoutAKeyIs400() {
    HttpHead raw = RawWebSocket.exchange(gw.port(), "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertEquals(400, raw.status(), raw.text());
  }

  @Test
  void aNewConnectionAfterAFailedHandshakeWorks() {
    RawWebSocket.exchange(gw.port(),
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    try (BridgeClient c = gw.connect()) {
      assertWorks(c);
    }
    assertEquals(new JsonObject().put("status", "UP"), await(gw.web().get(gw.port(), "127.0.0.1", "/health/live")
        .send()).bodyAsJsonObject());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }
}
