package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Native WebSocket sizes: a frame above {@code limits.maxFrameBytes} or a message (all its
 * fragments) above {@code limits.maxMessageBytes} closes the connection with 1009
 * ({@code CloseReason.TOO_BIG}); anything under both is delivered.
 */
class NativeWebSocketLimitsTest {

  static final int SMALL_LIMIT = 4096;
  /** Default limits (maxMessageBytes 256 KiB). */
  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();
  /** maxMessageBytes 4 KiB. */
  @RegisterExtension
  static final GatewayExtension small = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("maxMessageBytes", SMALL_LIMIT)));

  /** A publish frame of exactly {@code size} bytes. */
  static String publishOfSize(String address, int size) {
    String frame = head(address) + "x".repeat(bodyLength(address, size)) + "\"}";
    assertEquals(size, frame.length());
    return frame;
  }

  static int bodyLength(String address, int frameSize) {
    return frameSize - head(address).length() - 2;
  }

  private static String head(String address) {
    return "{\"type\":\"publish\",\"address\":\"" + address + "\",\"body\":\"";
  }

  @Test
  void messageUnder64KiBIsDelivered() {
    try (BridgeClient sub = gw.connect();
         BridgeClient pub = gw.connect()) {
      sub.register("chat.mid");
      pub.socket.writeTextMessage(publishOfSize("chat.mid", 60_000));
      JsonObject rec = sub.awaitRec("chat.mid", 5);
      assertNotNull(rec, "a 60 kB message was not delivered");
      assertEquals(bodyLength("chat.mid", 60_000), rec.getString("body").length());
    }
  }

  /**
   * A frame above {@code limits.maxFrameBytes} (64 KiB by default) closes with 1009 even though the
   * message is under maxMessageBytes: the frame limit is checked by Netty's decoder.
   */
  @Test
  void singleFrameOverMaxFrameBytesClosesWith1009() {
    try (BridgeClient pub = gw.connect()) {
      pub.socket.writeTextMessage(publishOfSize("chat.large", 100_000)); // one frame: client max frame is 1 MiB
      assertEquals(Short.valueOf((short) 1009), pub.awaitClose(5), "a 100 kB frame (frame limit 64 KiB)");
    }
  }

  /** The same size in 16 KiB fragments is delivered: under maxMessageBytes, every frame under maxFrameBytes. */
  @Test
  void fragmentedMessageUnderMaxMessageBytesIsDelivered() {
    WebSocketClient fragmenting = gw.client().createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(16 * 1024));
    try (BridgeClient sub = gw.connect()) {
      sub.register("chat.fragments");
      WebSocket ws = fragmenting.connect(gw.port(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS);
      ws.writeTextMessage(publishOfSize("chat.fragments", 100_000));
      JsonObject rec = sub.awaitRec("chat.fragments", 5);
      assertNotNull(rec, "a fragmented 100 kB message was not delivered");
      assertEquals(bodyLength("chat.fragments", 100_000), rec.getString("body").length());
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      fragmenting.close();
    }
  }

  @Test
  void messageAtTheLimitIsDelivered() {
    try (BridgeClient sub = small.connect();
         BridgeClient pub = small.connect()) {
      sub.register("chat.edge");
      pub.socket.writeTextMessage(publishOfSize("chat.edge", SMALL_LIMIT));
      assertNotNull(sub.awaitRec("chat.edge", 5), "a message of exactly maxMessageBytes was not delivered");
    }
  }

  @Test
  void messageOverTheLimitClosesWith1009() {
    try (BridgeClient pub = small.connect()) {
      pub.socket.writeTextMessage(publishOfSize("chat.over", SMALL_LIMIT + 1000));
      // a following valid message: a connection left open answers it (the oversize one vanished)
      pub.send(new JsonObject().put("type", "register").put("address", "chat.over").put("ack", "after"));
      Short code = pub.awaitClose(3);
      assertEquals(Short.valueOf((short) 1009), code, "oversize message: expected close 1009, got "
          + (code == null ? "no close; next message " + pub.next(1) : "close " + code));
    }
  }

  @Test
  void fragmentedMessageOverTheLimitClosesWith1009() throws Exception {
    WebSocketClient fragmenting = gw.client().createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1024));
    try {
      WebSocket ws = fragmenting.connect(small.port(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS);
      AtomicReference<Short> closed = new AtomicReference<>();
      AtomicReference<String> answer = new AtomicReference<>();
      ws.closeHandler(v -> closed.set(ws.closeStatusCode()));
      ws.textMessageHandler(answer::set);
      ws.writeTextMessage(publishOfSize("chat.over", SMALL_LIMIT * 3));
      ws.writeTextMessage("{\"type\":\"register\",\"address\":\"chat.over\",\"ack\":\"after\"}");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (closed.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(10); // polling a flag set by the close handler, bounded
      }
      assertEquals(Short.valueOf((short) 1009), closed.get(),
          "fragmented oversize message: expected close 1009, got " + closed.get() + ", answer " + answer.get());
    } finally {
      fragmenting.close();
    }
  }
}
