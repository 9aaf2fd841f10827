package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slow consumer learns why it was closed. When a {@code /ws} client's outbound queue stays
 * full for {@code limits.slowConsumerTimeoutMs}, the gateway queues a close frame with code 4000
 * and keeps the TCP connection until {@code limits.closeTimeoutMs} (default 10 s) have passed
 * since the client last read anything: a client that resumes reading within that time reads
 * what was queued, then the close frame 4000; a client that never resumes has its connection
 * cut within {@code closeTimeoutMs} (plus a margin), and its queued bytes are released.
 */
class SlowConsumerCloseTest {

  static final String CHANNEL = "chat.busy";
  static final String SLOW_CLOSED = "gateway_connections_closed_total{reason=\"slow_consumer\",transport=\"websocket\"}";
  static final int QUEUE_CAP = 64 * 1024;

  TestGateway gateway;
  ScheduledExecutorService publisher;

  @AfterEach
  void stop() {
    if (publisher != null) {
      publisher.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  private void start(JsonObject limits) {
    gateway = TestGateway.start(Edge.config("limits", limits
        .put("slowConsumerTimeoutMs", 1000).put("outboundQueueBytes", QUEUE_CAP)));
  }

  /** About 1 MB/s of 1 KB broadcasts on {@link #CHANNEL}, from a backend on the node's event bus. */
  private void busyChannel() {
    String body = "x".repeat(1000);
    publisher = Executors.newSingleThreadScheduledExecutor();
    publisher.scheduleAtFixedRate(() -> {
      for (int i = 0; i < 5; i++) {
        gateway.vertx.eventBus().publish(CHANNEL, body);
      }
    }, 0, 5, TimeUnit.MILLISECONDS);
  }

  /** A subscriber with a 4 KiB receive buffer that reads for half a second, then stops. */
  private RawWebSocket subscriberThatStops() {
    RawWebSocket ws = RawWebSocket.connect(gateway.port, "/ws", 4096);
    ws.send(RawFrame.text(new JsonObject().put("type", "register").put("address", CHANNEL).put("ack", "busy").encode()));
    ws.awaitText("\"ack\":\"busy\"", 5);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    while (System.nanoTime() < until) {
      ws.poll(100);
    }
    return ws;
  }

  private double slowClosed() {
    return Edge.find(gateway, SLOW_CLOSED).orElse(0);
  }

  @Test
  void aSlowConsumerThatResumesReadsCloseCode4000() throws Exception {
    start(new JsonObject());
    busyChannel();
    double before = slowClosed();
    try (RawWebSocket ws = subscriberThatStops()) {
      TimeUnit.SECONDS.sleep(4);
      double closedMeanwhile = slowClosed() - before;
      RawWebSocket.Drain d = ws.drain(2000);
      assertAll(
          () -> assertEquals(1, closedMeanwhile, 0.0, "closed as a slow consumer while it did not read"),
          () -> assertEquals(4000, d.closeCode(), "what the client read after resuming: " + d.frames()
              + " frames, " + d.bytes() + " bytes, close code " + d.closeCode() + ", ended: " + d.end()));
    }
  }

  @Test
  void aSlowConsumerThatNeverResumesIsCutAfterTheCloseTimeout() throws Exception {
    long closeTimeoutMs = 2000;
    start(new JsonObject().put("closeTimeoutMs", closeTimeoutMs));
    busyChannel();
    double before = slowClosed();
    try (RawWebSocket ws = subscriberThatStops()) {
      Edge.awaitSample(gateway, SLOW_CLOSED, v -> v > before, 5, "closed as a slow consumer");
      long closedAt = System.nanoTime();
      long cutWithinMs = closeTimeoutMs + 2000;
      boolean cut = false;
      while (!cut && System.nanoTime() - closedAt < TimeUnit.MILLISECONDS.toNanos(cutWithinMs)) {
        cut = ws.writeFails(); // a probe that reads nothing: fails once the server's end is gone
        Thread.sleep(50);
      }
      long cutAfterMs = (System.nanoTime() - closedAt) / 1_000_000;
      boolean wasCut = cut;
      assertAll(
          () -> assertTrue(wasCut, "TCP connection of a client that never reads again still open "
              + cutAfterMs + " ms after its slow-consumer close (closeTimeoutMs " + closeTimeoutMs + ")"),
          () -> Edge.awaitSample(gateway, Edge.QUEUE_BYTES, v -> v == 0, 2, "queued bytes once the client is cut"));
    }
  }
}
