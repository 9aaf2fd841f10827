package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawHandshake.HttpHead;
import dev.gateway.support.RawHandshake;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native WebSocket handshake on {@code /ws} (RFC 6455 section 4), with hand-written upgrade
 * requests where the exact answer matters: a valid upgrade and subprotocol negotiation; malformed
 * or refused handshakes get a plain HTTP answer and never a 101; and after each of them the
 * healthy client of {@link RawFrameTestBase} still receives. The Origin check is
 * {@link OriginGateTest}.
 */
class NativeWebSocketHandshakeTest extends RawFrameTestBase {

  static final String SUBPROTOCOL = "v1.eventbus.gateway";

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

  /** A valid upgrade request offering these subprotocols. */
  static Map<String, String> upgradeOffering(String protocols) {
    Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.KEY);
    h.put("Sec-WebSocket-Protocol", protocols);
    return h;
  }

  @Test
  void validUpgradeIs101WithAcceptAndNoExtension() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      String key = RawHandshake.newKey();
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), key);
      h.put("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
      HttpHead head = ws.request("GET", "/ws", h);
      assertEquals(101, head.status(), head.toString());
      assertEquals(RawHandshake.acceptFor(key), head.header("Sec-WebSocket-Accept"));
      assertNull(head.header("Sec-WebSocket-Extensions"), "an extension was negotiated: " + head);
      assertRegisterAcked(ws, "chat.handshake-ok");
    }
  }

  @Test
  void offeringTheGatewaySubprotocolSelectsIt() {
    try (BridgeClient c = gw.connect(options(SUBPROTOCOL))) {
      assertEquals(SUBPROTOCOL, c.socket.subProtocol());
      assertWorks(c);
    }
  }

  @Test
  void offeringSeveralSelectsTheGatewaySubprotocol() {
    try (BridgeClient c = gw.connect(options("foo", SUBPROTOCOL, "bar"))) {
      assertEquals(SUBPROTOCOL, c.socket.subProtocol());
      assertWorks(c);
    }
  }

  @Test
  void offeringNoneConnectsWithNone() {
    try (BridgeClient c = gw.connect(options())) {
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
      dev.gateway.support.BridgeClient.assertAck("r1", new JsonObject(ws.readText(5)));
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

  /** A GET to /ws that is not an upgrade: a plain one, and one with every header but Upgrade. */
  @Test
  void getWithoutUpgradeIs400() {
    HttpResponse<Buffer> plain = gw.get("/ws");
    assertEquals(400, plain.statusCode());
    assertTrue(plain.bodyAsString().toLowerCase(Locale.ROOT).contains("upgrade"), plain.bodyAsString());
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.remove("Upgrade");
      h.put("Connection", "keep-alive");
      assertEquals(400, ws.request("GET", "/ws", h).status());
    }
  }

  @Test
  void upgradeWithoutAKeyIs400() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), "unused");
      h.remove("Sec-WebSocket-Key");
      HttpHead head = ws.request("GET", "/ws", h);
      assertEquals(400, head.status(), head.toString());
    }
  }

  /**
   * RFC 6455 4.2.2/4.4: a version the server does not speak gets 426 with the version it
   * supports. (Netty, hence the gateway, also still accepts the pre-RFC drafts 7 and 8: 101.)
   */
  @ParameterizedTest(name = "Sec-WebSocket-Version: {0}")
  @ValueSource(strings = {"12", "99", "0", "abc"})
  void wrongVersionIs426WithSupportedVersion(String version) {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("Sec-WebSocket-Version", version);
      HttpHead head = ws.request("GET", "/ws", h);
      assertEquals(426, head.status(), head.toString());
      assertEquals("13", head.header("Sec-WebSocket-Version"), head.toString());
    }
  }

  /**
   * No version at all (hixie-76 and other pre-RFC drafts send none) is not RFC 6455: 426 with
   * the version spoken (RFC 6455 4.2.2), not 101.
   */
  @Test
  void missingVersionIs426WithTheVersionSpoken() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.remove("Sec-WebSocket-Version");
      var head = ws.request("GET", "/ws", h);
      assertEquals(426, head.status());
      assertEquals("13", head.header("Sec-WebSocket-Version"), head.toString());
    }
  }

  /** RFC 6455 4.1: the handshake MUST be a GET; a POST with upgrade headers is not upgraded. */
  @Test
  void postUpgradeIsNot101() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("Content-Length", "0");
      HttpHead head = ws.request("POST", "/ws", h);
      assertNotEquals(101, head.status(), head.toString());
      assertTrue(head.status() >= 400 && head.status() < 500, head.toString());
    }
  }

  /** Header block of ~100 KB (default limit 8 KB): refused with 431 (or 400), never upgraded. */
  @Test
  void hugeHeaderIsRefused() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("X-Filler", "a".repeat(100 * 1024));
      HttpHead head = ws.request("GET", "/ws", h);
      assertTrue(head.status() == 431 || head.status() == 400, "status for a 100 KB header: " + head);
    }
  }

  /**
   * An upgrade GET announcing (and sending) a 1 MB body: refused with 413 (Vert.x's limit on a
   * handshake body), never 101, and the connection is closed.
   */
  @Test
  void upgradeWithLargeBodyIs413() throws InterruptedException {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      int size = 1024 * 1024;
      h.put("Content-Length", String.valueOf(size));
      ws.write(RawHandshake.request("GET", "/ws", h));
      // the body goes out on its own thread: the server may stop reading once it has answered
      Thread writer = new Thread(() -> {
        try {
          byte[] chunk = new byte[16 * 1024];
          for (int sent = 0; sent < size; sent += chunk.length) {
            ws.write(chunk);
          }
        } catch (UncheckedIOException closed) {
          // the server ended the connection: fine
        }
      }, "body-writer");
      writer.setDaemon(true);
      writer.start();
      HttpHead head = ws.readHttpHead(10);
      assertEquals(413, head.status(), "status for a handshake with a 1 MB body: " + head);
      assertTrue(ws.awaitTcpClose(5), "connection kept open after 413");
      ws.close();
      writer.join(TimeUnit.SECONDS.toMillis(5));
    }
  }

  /**
   * A small body after the handshake headers (here: a complete, masked publish frame) is read
   * as HTTP content, never as a WebSocket frame: the upgrade succeeds (101), frames after it
   * work normally, and the publish in the body never reaches a subscriber.
   */
  @Test
  void smallHandshakeBodyIsNotTakenAsFrame() {
    try (BridgeClient sub = gw.connect().register("chat.smuggle");
         RawWebSocket ws = RawWebSocket.open(gw.port())) {
      byte[] smuggled = RawFrame.text(new JsonObject().put("type", "publish")
          .put("address", "chat.smuggle").put("body", "in-body").encode()).bytes();
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("Content-Length", String.valueOf(smuggled.length));
      ws.write(RawFrame.concat(RawHandshake.request("GET", "/ws", h), smuggled));
      HttpHead head = ws.readHttpHead(5);
      assertEquals(101, head.status(), head.toString());
      assertRegisterAcked(ws, "chat.after-body");
      assertNothingBeforeMarker(sub, "chat.smuggle");
    }
  }

  @Test
  void aNewConnectionAfterAFailedHandshakeWorks() {
    RawWebSocket.exchange(gw.port(),
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    try (BridgeClient c = gw.connect()) {
      assertWorks(c);
    }
    assertEquals(new JsonObject().put("status", "UP"), gw.get("/health/live").bodyAsJsonObject());
  }
}
