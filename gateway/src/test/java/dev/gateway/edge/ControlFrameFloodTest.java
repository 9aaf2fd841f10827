package dev.gateway.edge;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Control frames cost a client what messages cost it: a client that never reads and floods
 * pings makes the gateway queue pongs, which count against its outbound queue and its rate
 * limit, so the gateway closes it (rate_limited or slow_consumer) long before 300,000 pings,
 * the queued bytes stay under twice {@code limits.outboundQueueBytes} meanwhile, and a healthy
 * client on the same node keeps receiving every message. The same holds for a raw SockJS
 * WebSocket that never authenticates in {@code auth.mode=required} (closed by the
 * authentication deadline or the rate limit).
 */
class ControlFrameFloodTest {

  static final int QUEUE_CAP = 64 * 1024;
  static final int PINGS = 300_000;
  static final int BATCH = 1_000;

  Vertx clients;
  TestGateway gateway;

  @BeforeEach
  void clients() {
    clients = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    clients.close().await();
    if (gateway != null) {
      gateway.close();
    }
  }

  static JsonObject limits() {
    return new JsonObject().put("outboundQueueBytes", QUEUE_CAP);
  }

  /** Connections closed on {@code path}'s transport for one of these reasons (0 before any). */
  static double closed(TestGateway gw, String transport, Set<String> reasons) {
    double n = 0;
    for (String line : gw.scrape().split("\n")) {
      if (line.startsWith("gateway_connections_closed_total{") && line.contains("transport=\"" + transport + "\"")) {
        for (String r : reasons) {
          if (line.contains("reason=\"" + r + "\"")) {
            n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      }
    }
    return n;
  }

  /** What one flood did. */
  record Outcome(boolean closed, int pingsSent, double maxQueueBytes, long millis) {
  }

  /**
   * Floods pings of 125 bytes from a client with a 4 KiB receive buffer that never reads, in
   * batches of {@link #BATCH} per write, until {@link #PINGS} or the server closed it (counted in
   * {@code gateway_connections_closed_total} for one of {@code reasons}), sampling the queued
   * bytes every 20 ms; waits up to {@code seconds} in all.
   */
  static Outcome flood(TestGateway gw, String path, String transport, Set<String> reasons, long seconds)
      throws Exception {
    return flood(gw, path, transport, reasons, seconds, RawFrame.PING);
  }

  /** As {@link #flood(TestGateway, String, String, Set, long)} with frames of this opcode (PING or PONG). */
  static Outcome flood(TestGateway gw, String path, String transport, Set<String> reasons, long seconds,
                       int opcode) throws Exception {
    double before = closed(gw, transport, reasons);
    java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < BATCH; i++) {
      batch.writeBytes(RawFrame.frame(opcode, new byte[125]).bytes());
    }
    byte[] frames = batch.toByteArray();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    double maxQueue = 0;
    boolean wasClosed = false;
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (RawWebSocket ws = RawWebSocket.connect(gw.port, path, 4096)) {
      Future<?> writing = writer.submit(() -> {
        try {
          while (!stop.get() && sent.get() < PINGS) {
            ws.write(frames);
            sent.addAndGet(BATCH);
          }
        } catch (UncheckedIOException serverClosed) {
          // stop early: the server closed the connection
        }
      });
      while (System.nanoTime() < deadline) {
        maxQueue = Math.max(maxQueue, Edge.sample(gw, Edge.QUEUE_BYTES));
        if (closed(gw, transport, reasons) > before) {
          wasClosed = true;
          break;
        }
        Thread.sleep(20);
      }
      stop.set(true);
      ws.close(); // unblocks a write the server no longer reads
      writing.get(10, TimeUnit.SECONDS);
    } finally {
      writer.shutdownNow();
    }
    return new Outcome(wasClosed, sent.get(), maxQueue, (System.nanoTime() - start) / 1_000_000);
  }

  /** Closed, bounded meanwhile, and the neighbour got everything. */
  private static void assertBounded(Outcome o, String what, Neighbour healthy) {
    assertAll(
        () -> assertTrue(o.closed(), what + ": not closed by the server after " + o.pingsSent()
            + " pings in " + o.millis() + " ms"),
        () -> assertTrue(o.maxQueueBytes() < 2.0 * QUEUE_CAP, what + ": " + Edge.QUEUE_BYTES
            + " reached " + o.maxQueueBytes() + " (limit x 2 = " + 2 * QUEUE_CAP + ")"),
        () -> healthy.assertReceivedAll("during the " + what));
  }

  @Test
  void pingFloodFromAClientThatNeverReadsIsClosed() throws Exception {
    gateway = TestGateway.start(Edge.config("limits", limits()));
    try (Neighbour healthy = Neighbour.start(clients, gateway, "chat.neighbour", null)) {
      Outcome o = flood(gateway, "/ws", "websocket", Set.of("rate_limited", "slow_consumer"), 8);
      assertBounded(o, "/ws ping flood", healthy);
    }
  }

  @Test
  void pingFloodWithoutATokenIsClosed() throws Exception {
    gateway = TestGateway.start(Edge.config("limits", limits(), "auth", Edge.auth("required")));
    String token = Edge.validJwt(new JsonObject().put("subscribe", new io.vertx.core.json.JsonArray().add("chat.*")));
    try (Neighbour healthy = Neighbour.start(clients, gateway, "chat.neighbour", token)) {
      // the default authentication deadline (10 s) or the rate limit, whichever comes first
      Outcome o = flood(gateway, "/eventbus/websocket", "sockjs-raw-websocket",
          Set.of("rate_limited", "slow_consumer", "unauthorized"), 12);
      assertBounded(o, "/eventbus/websocket ping flood without a token", healthy);
    }
  }
}
