package dev.gateway.connection;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The second tier of the slow-consumer policy: a connection whose broadcasts keep being dropped
 * is closed once limits.slowConsumerMaxDrops pass, long before limits.slowConsumerTimeoutMs.
 * The slow client is the only native WebSocket connection (the healthy one is a SockJS raw
 * WebSocket), so the node's websocket drop counter counts its drops alone.
 */
class SlowConsumerDropsTest {

  static final int MAX_DROPS = 50;

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("server", new JsonObject().put("sendBufferBytes", 4096))
      .put("limits", new JsonObject().put("outboundQueueBytes", 8192)
          .put("slowConsumerTimeoutMs", 120_000).put("slowConsumerMaxDrops", MAX_DROPS)));

  @Test
  void aConnectionDroppingTooManyBroadcastsIsClosedBeforeTheTimeout() throws Exception {
    String slowCloses = "gateway_connections_closed_total{reason=\"slow_consumer\",transport=\"websocket\"}";
    String drops = "gateway_messages_dropped_total{transport=\"websocket\"}";
    double before = gw.metric(slowCloses);
    double dropsBefore = gw.metric(drops);
    try (RawWebSocket slow = RawWebSocket.connect(gw.port(), "/ws", 4096);
         SockJsSession healthy = SockJsSession.rawWebSocket(gw.client(), gw.port())) {
      slow.send(RawFrame.text(new JsonObject().put("type", "register").put("address", "chat.drops")
          .put("ack", "s").encode()));
      assertNotNull(slow.awaitText("\"ack\":\"s\"", 10), "slow client not registered");
      healthy.register("chat.drops");
      String body = "x".repeat(1000);
      long deadline = System.nanoTime() + 20_000_000_000L;
      int sent = 0;
      // publish until the slow client is closed (bounded in count and time)
      while (gw.metric(slowCloses) < before + 1 && sent < 20_000 && System.nanoTime() < deadline) {
        for (int i = 0; i < 5; i++) {
          gw.node().vertx.eventBus().publish("chat.drops", body);
          sent++;
        }
        Thread.sleep(10);
      }
      assertTrue(gw.metric(slowCloses) >= before + 1,
          "not closed as a slow consumer after " + sent + " broadcasts");
      assertTrue(System.nanoTime() < deadline, "closed only near the 120 s timeout");
      // the drop rule closes on the drop after the 50th in a row: at least that many were counted
      double dropped = gw.metric(drops) - dropsBefore;
      assertTrue(dropped >= MAX_DROPS + 1, "closed as a slow consumer after only " + dropped
          + " dropped broadcasts (slowConsumerMaxDrops " + MAX_DROPS + "): not by the drop rule");
      healthy.publish("chat.drops", "still-here");
      assertNotNull(healthy.await(m -> "still-here".equals(m.getValue("body")), 10),
          "the healthy client stopped receiving");
    }
  }
}
