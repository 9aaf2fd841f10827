package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.WebSocketSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Raw WebSocket under the SockJS prefix: {@code /eventbus/websocket}, one bridge message per
 * plain text frame both ways, no SockJS framing.
 */
class SockJsRawWebSocketTest extends SockJsTransportContract {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.defaults();

  @Override
  protected GatewayExtension gw() {
    return gw;
  }

  @Override
  protected WebSocketSession open() {
    return SockJsSession.rawWebSocket(gw.client(), gw.port());
  }

  @Override
  protected String transportTag() {
    return "sockjs-raw-websocket";
  }

  @Test
  void framesArePlainBridgeMessagesWithoutSockJsFraming() {
    try (WebSocketSession s = open()) {
      s.send(new JsonObject().put("type", "send").put("address", "echo").put("body", "raw")
          .put("replyAddress", "r-raw"));
      assertTrue(s.awaitCondition(() -> !s.frames().isEmpty(), 10), "no text frame came back");
      // every text frame that came is one bridge message (a JSON object): no o, h, a[...], c[...]
      for (String frame : s.frames()) {
        assertTrue(frame.startsWith("{") && new JsonObject(frame).containsKey("type"),
            "raw WebSocket carried a SockJS frame: " + frame + " (all: " + s.frames() + ")");
      }
      JsonObject rec = s.awaitRec("r-raw", 10);
      assertNotNull(rec, "no echo reply; failure " + s.failure());
      assertEquals("raw", rec.getString("body"));
    }
  }

  @Test
  void sockJsArrayFrameIsNotUnwrappedOnRawWebSocket() {
    try (WebSocketSession s = open()) {
      // a SockJS-style frame is just text here: not a JSON object, so invalid_json
      s.sendFrame("[\"{\\\"type\\\":\\\"ping\\\"}\"]");
      assertNotNull(s.awaitErr("invalid_json", 10));
    }
  }
}
