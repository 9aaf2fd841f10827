package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ping and pong floods are rate-limited like messages. A client that floods pings or
 * unsolicited pongs while reading everything is closed with 4003 (rate_limited); one that
 * floods without reading is closed too, on {@code /ws} and on the SockJS WebSocket. Meanwhile
 * the queued bytes stay under twice {@code limits.outboundQueueBytes}; afterwards the node holds
 * only the healthy neighbour, which received every message.
 */
class HostileFrameTest {

  static final int QUEUE_CAP = ControlFrameFloodTest.QUEUE_CAP;

  Vertx clients;
  TestGateway gateway;
  Neighbour healthy;

  @BeforeEach
  void start() {
    clients = Vertx.vertx();
    gateway = TestGateway.start(Edge.config("limits", ControlFrameFloodTest.limits()));
    healthy = Neighbour.start(clients, gateway, "chat.neighbour", null);
  }

  @AfterEach
  void stop() {
    healthy.close();
    clients.close().await();
    gateway.close();
  }

  /**
   * A client that reads everything while another thread floods control frames of this opcode
   * (up to 20,000 of 125 bytes); returns the close code it read within 5 s (-2: none), sampling
   * the queued bytes meanwhile into {@code maxQueue[0]}.
   */
  private int readingFlood(int opcode, double[] maxQueue) throws Exception {
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int i = 0; i < 500; i++) {
      batch.writeBytes(RawFrame.frame(opcode, new byte[125]).bytes());
    }
    byte[] frames = batch.toByteArray();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (RawWebSocket ws = RawWebSocket.connect(gateway.port, "/ws", 0)) {
      Future<?> writing = threads.submit(() -> {
        try {
          for (int sent = 0; sent < 20_000 && !stop.get(); sent += 500) {
            ws.write(frames);
          }
        } catch (UncheckedIOException closed) {
          // the server closed it
        }
      });
      Future<?> sampling = threads.submit(() -> {
        while (!stop.get()) {
          maxQueue[0] = Math.max(maxQueue[0], Edge.sample(gateway, Edge.QUEUE_BYTES));
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      try {
        return ws.awaitCloseCode(5);
      } catch (AssertionError noCloseFrame) {
        return -2;
      } finally {
        stop.set(true);
        ws.close();
        writing.get(10, TimeUnit.SECONDS);
        sampling.get(10, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  private void assertReadingFloodLimited(int opcode, String what) throws Exception {
    double[] maxQueue = {0};
    int code = readingFlood(opcode, maxQueue);
    assertAll(
        () -> assertEquals(4003, code, what + ": close code (-2: no close frame within 5 s)"),
        () -> assertTrue(maxQueue[0] < 2.0 * QUEUE_CAP, what + ": " + Edge.QUEUE_BYTES + " reached " + maxQueue[0]),
        () -> Edge.assertHolds(gateway, 1, 1, QUEUE_CAP, what),
        () -> healthy.assertReceivedAll("during the " + what));
  }

  @Test
  void unsolicitedPongFloodIsRateLimited() throws Exception {
    assertReadingFloodLimited(RawFrame.PONG, "unsolicited pong flood");
  }

  @Test
  void pingFloodFromAReadingClientIsRateLimited() throws Exception {
    assertReadingFloodLimited(RawFrame.PING, "ping flood from a reading client");
  }

  private void assertNonReadingFloodClosed(String path, String transport, int opcode, String what) throws Exception {
    ControlFrameFloodTest.Outcome o = ControlFrameFloodTest.flood(gateway, path, transport,
        Set.of("rate_limited", "slow_consumer"), 8, opcode);
    assertAll(
        () -> assertTrue(o.closed(), what + ": not closed after " + o.pingsSent() + " frames in " + o.millis() + " ms"),
        () -> assertTrue(o.maxQueueBytes() < 2.0 * QUEUE_CAP, what + ": " + Edge.QUEUE_BYTES + " reached " + o.maxQueueBytes()),
        () -> Edge.assertHolds(gateway, 1, 1, QUEUE_CAP, what),
        () -> healthy.assertReceivedAll("during the " + what));
  }

  @Test
  void pongFloodFromAClientThatNeverReadsIsClosed() throws Exception {
    assertNonReadingFloodClosed("/ws", "websocket", RawFrame.PONG, "pong flood on /ws without reading");
  }

  @Test
  void pingFloodOnTheSockJsWebSocketIsClosed() throws Exception {
    assertNonReadingFloodClosed("/eventbus/000/pingflood/websocket", "sockjs-websocket", RawFrame.PING,
        "ping flood on /eventbus/000/pingflood/websocket without reading");
  }
}
