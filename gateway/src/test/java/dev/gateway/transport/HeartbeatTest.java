package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Native WebSocket heartbeat (ping after 300 ms of silence, close 4002 when nothing comes back
 * within 300 ms), with a Vert.x client (answers pings by itself) and raw sockets.
 */
class HeartbeatTest {

  private static final String OPEN = "gateway_connections{transport=\"websocket\"}";
  private static final String TIMED_OUT =
      "gateway_connections_closed_total{reason=\"heartbeat_timeout\",transport=\"websocket\"}";

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(new JsonObject()
      .put("demo", new JsonObject().put("enabled", false))
      .put("limits", new JsonObject().put("pingIntervalMs", 300).put("pongTimeoutMs", 300)));

  @Test
  void clientAnsweringPingsStaysConnected() {
    double timedOut = gw.metric(TIMED_OUT);
    try (BridgeClient c = gw.connect()) {
      c.register("chat.hb");
      // silent for 3 s: ten ping intervals, every ping answered by the client's automatic pong
      int pingsBefore = c.pings();
      assertNull(c.awaitClose(3), "closed with " + c.closeReason());
      assertTrue(c.pings() - pingsBefore >= 2, "the server pinged " + (c.pings() - pingsBefore)
          + " times in 3 s of silence: the heartbeat was not running");
      c.publish("chat.hb", "alive");
      assertNotNull(c.awaitRec("chat.hb", 5), "connection no longer usable");
    }
    assertEquals(timedOut, gw.metric(TIMED_OUT), 0.0);
  }

  @Test
  void rawClientAnsweringPingsWithPongsStaysConnected() {
    double timedOut = gw.metric(TIMED_OUT);
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      int pings = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < deadline) {
        RawWebSocket.Frame f = ws.poll(100);
        if (f == null) {
          continue;
        }
        assertEquals(RawFrame.PING, f.opcode(), "only pings expected, got " + f);
        pings++;
        ws.send(RawFrame.frame(RawFrame.PONG, f.payload())); // pong with the ping's payload
      }
      assertTrue(pings >= 2, "pings seen in 3 s: " + pings);
    }
    assertEquals(timedOut, gw.metric(TIMED_OUT), 0.0, "a pong-answering client timed out");
  }

  @Test
  void silentClientClosedWith4002() throws Exception {
    awaitMetric(OPEN, 0);
    double timedOut = gw.metric(TIMED_OUT);
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      awaitMetric(OPEN, 1);
      // never read, never answer: the server pings, then gives up
      awaitMetric(TIMED_OUT, timedOut + 1);
      awaitMetric(OPEN, 0);
      // what the server wrote is waiting in the socket buffer: a ping, then close 4002
      RawWebSocket.Frame ping = ws.poll(2_000);
      assertNotNull(ping, "nothing received");
      assertEquals(RawFrame.PING, ping.opcode(), "first frame " + ping);
      RawWebSocket.Frame close = ws.poll(2_000);
      while (close != null && close.opcode() == RawFrame.PING) {
        close = ws.poll(2_000);
      }
      assertNotNull(close, "no close frame");
      assertEquals(RawFrame.CLOSE, close.opcode(), "frame " + close);
      assertEquals(4002, close.closeCode(), "close " + close);
    }
  }

  private static void awaitMetric(String sample, double expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (gw.metric(sample) != expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(expected, gw.metric(sample), 0.0, sample);
  }
}
