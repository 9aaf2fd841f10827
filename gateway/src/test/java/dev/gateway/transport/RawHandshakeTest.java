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
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-written upgrade requests to {@code /ws} (RFC 6455 section 4): malformed or refused
 * handshakes get a plain HTTP answer and never a 101.
 */
class RawHandshakeTest extends RawFrameTestBase {

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
      RawFrameProtocolTest.assertRegisterAcked(ws, "chat.handshake-ok");
    }
  }

  @Test
  void sameOriginIsAccepted() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("Origin", "http://127.0.0.1:" + gw.port());
      assertEquals(101, ws.request("GET", "/ws", h).status());
    }
  }

  @Test
  void foreignOriginIs403() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.put("Origin", "https://evil.example");
      HttpHead head = ws.request("GET", "/ws", h);
      assertEquals(403, head.status(), head.toString());
      String body = new String(ws.readBytes(bodyLength(head), 5), StandardCharsets.UTF_8);
      assertTrue(body.contains("origin_rejected"), body);
      assertTrue(head.header("Sec-WebSocket-Accept") == null, "accept header on a refusal");
    }
  }

  @Test
  void missingKeyIs400() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), "unused");
      h.remove("Sec-WebSocket-Key");
      assertEquals(400, ws.request("GET", "/ws", h).status());
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

  /** No version at all is a malformed handshake (RFC 6455 4.2.1): 400, not 101. */
  @Test
  void missingVersionIs400() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.remove("Sec-WebSocket-Version");
      assertEquals(400, ws.request("GET", "/ws", h).status());
    }
  }

  @Test
  void missingUpgradeHeaderIs400() {
    try (RawWebSocket ws = RawWebSocket.open(gw.port())) {
      Map<String, String> h = RawHandshake.upgradeHeaders(gw.port(), RawHandshake.newKey());
      h.remove("Upgrade");
      h.put("Connection", "keep-alive");
      assertEquals(400, ws.request("GET", "/ws", h).status());
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
   * as HTTP content, never as a WebSocket frame; frames after the 101 work normally.
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
      if (head.status() == 101) {
        RawFrameProtocolTest.assertRegisterAcked(ws, "chat.after-body");
      }
      assertNothingBeforeMarker(sub, "chat.smuggle");
    }
  }

  private static int bodyLength(HttpHead head) {
    String cl = head.header("Content-Length");
    return cl == null ? 0 : Integer.parseInt(cl);
  }
}
