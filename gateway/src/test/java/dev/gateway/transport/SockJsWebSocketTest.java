package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.WebSocketSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SockJS over WebSocket: {@code /eventbus/<server>/<session>/websocket}, SockJS frames in text
 * frames, client messages as JSON arrays of strings. Heartbeats are fast here (300 ms).
 */
class SockJsWebSocketTest extends SockJsTransportContract {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("sockjs", new JsonObject().put("heartbeatMs", 300)));

  @Override
  protected GatewayExtension gw() {
    return gw;
  }

  @Override
  protected WebSocketSession open() {
    return SockJsSession.webSocket(gw.client(), gw.port());
  }

  @Override
  protected String transportTag() {
    return "sockjs-websocket";
  }

  @Test
  void sessionOpensWithOpenFrameAndGetsHeartbeats() {
    try (WebSocketSession s = open()) {
      assertEquals("o", s.frames().get(0));
      assertTrue(s.awaitCondition(() -> s.frames().contains("h"), 10), "no heartbeat: " + s.frames());
    }
  }

  @Test
  void severalMessagesInOneFrameAreAllHandled(TestInfo info) {
    String address = channel(info);
    try (WebSocketSession s = open()) {
      s.sendMessages(
          new JsonObject().put("type", "register").put("address", address).put("ack", "b1").encode(),
          new JsonObject().put("type", "send").put("address", "echo").put("body", "two")
              .put("replyAddress", "r-batch").encode());
      // the two answers may come in either order
      JsonObject ack = null;
      JsonObject rec = null;
      for (int i = 0; i < 2; i++) {
        JsonObject m = s.await(x -> "b1".equals(x.getString("ack")) || "r-batch".equals(x.getString("address")), 10);
        assertNotNull(m, "a message of the frame was lost; ack=" + ack + ", rec=" + rec + ", frames=" + s.frames());
        if ("ack".equals(m.getString("type"))) {
          ack = m;
        } else {
          rec = m;
        }
      }
      assertNotNull(ack, "register in the frame not handled");
      assertNotNull(rec, "send in the frame not handled");
      assertEquals("two", rec.getString("body"));
    }
  }

  @Test
  void frameThatIsNotAJsonArrayOfStringsClosesTheSession() {
    WebSocketSession s = open();
    try {
      s.register("chat.ws-bad-frame");
      assertEquals(1.0, gw.metric(connectionsGauge()));
      s.sendFrame("{\"type\":\"ping\"}");
      assertTrue(s.awaitCondition(() -> s.closeCode() != null, 10), "socket not closed");
      assertEquals(0.0, awaitMetric(connectionsGauge(), 0.0, 10), "gateway connection not ended");
    } finally {
      s.close();
    }
  }
}
