package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * permessage-deflate, when enabled: compressed messages work, and a small compressed message
 * that inflates past limits.maxMessageBytes closes with 1009 instead of inflating without bound.
 */
class CompressionTest {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("compression", true))
      .put("limits", new JsonObject().put("maxMessageBytes", 64 * 1024)));

  private static WebSocket connect(WebSocketClient ws, CompletableFuture<Short> closed,
                                   CompletableFuture<JsonObject> firstRec) throws Exception {
    return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port())
        .setURI("/ws")).map(s -> {
          s.closeHandler(v -> closed.complete(s.closeStatusCode()));
          s.textMessageHandler(t -> {
            JsonObject m = new JsonObject(t);
            if ("rec".equals(m.getString("type"))) {
              firstRec.complete(m);
            }
          });
          return s;
        }).await(10, TimeUnit.SECONDS);
  }

  @Test
  void compressedMessagesWorkAndABombClosesWith1009() throws Exception {
    WebSocketClient ws = gw.client().createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true).setMaxFrameSize(1024 * 1024)
        .setMaxMessageSize(4 * 1024 * 1024));
    try (BridgeClient healthy = gw.connect()) {
      healthy.register("chat.zip");
      CompletableFuture<Short> closed = new CompletableFuture<>();
      CompletableFuture<JsonObject> rec = new CompletableFuture<>();
      WebSocket s = connect(ws, closed, rec);
      String extensions = s.headers().get("Sec-WebSocket-Extensions");
      assertNotNull(extensions, "permessage-deflate was not negotiated");
      assertTrue(extensions.contains("permessage-deflate"), extensions);
      // 30 KB of text compresses to a few hundred bytes and is within the limit
      String text = "a".repeat(30_000);
      s.writeTextMessage(new JsonObject().put("type", "publish").put("address", "chat.zip")
          .put("body", text).encode());
      JsonObject got = healthy.awaitRec("chat.zip", 10);
      assertNotNull(got, "compressed publish not delivered");
      assertEquals(text, got.getString("body"));

      // 10 MB of zeros compresses to ~10 KB, one frame under the 64 KiB frame limit: inflating it
      // must stop at the message limit
      String bomb = new JsonObject().put("type", "publish").put("address", "chat.zip")
          .put("body", "0".repeat(10 * 1024 * 1024)).encode();
      s.writeTextMessage(bomb);
      Short code = closed.get(10, TimeUnit.SECONDS);
      assertEquals(1009, code.intValue(), "bomb close code");
      // the healthy client still works
      healthy.publish("chat.zip", "after");
      JsonObject after = healthy.await(m -> "after".equals(m.getValue("body")), 10);
      assertNotNull(after, "healthy client stopped receiving");
    } finally {
      ws.close();
    }
  }
}
