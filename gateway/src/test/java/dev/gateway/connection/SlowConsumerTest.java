package dev.gateway.connection;

import static dev.gateway.connection.GatewayProbe.CLOSED;
import static dev.gateway.connection.GatewayProbe.DROPPED;
import static dev.gateway.connection.GatewayProbe.QUEUE_BYTES;
import static dev.gateway.connection.GatewayProbe.SLOW_CONSUMER;
import static dev.gateway.connection.GatewayProbe.mib;
import static dev.gateway.connection.GatewayProbe.sum;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.RawFrame;
import dev.gateway.support.RawWebSocket;
import dev.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Slow consumers on the native WebSocket ({@code /ws}) with the default outbound limits (1 MiB
 * queue per connection, closed after 2 s full): 200 clients that register and then never read
 * again, next to 20 healthy subscribers, while a publisher fans out 1,000 messages/s of ~1 KB.
 *
 * <p>The slow clients are plain sockets with a 4 KiB receive buffer that stop reading after the
 * register ack ({@link RawWebSocket}). The healthy clients first get a warm-up phase and a phase
 * on their own (the node has just started). Checked: all 200 closed as slow consumers (4000);
 * their queues filled and the queued bytes stayed under the per-connection cap (sampled every
 * 50 ms); broadcasts were dropped; the 20 healthy clients got every message in order and stayed
 * connected, alone and next to the slow ones; and, while the slow clients still do not read, the
 * node lets go of them within 5 s of closing them (queued bytes released, TCP connection closed)
 * — then the slow clients read what is left. What the slow clients cost the healthy ones
 * (latency) and the heap is for the benchmark to measure, not this test. About 25 s.
 */
class SlowConsumerTest {

  private static final String ADDRESS = "chat.fanout";
  private static final int SLOW = 200;
  private static final int HEALTHY = 20;
  private static final int RATE = 1_000;
  private static final int WARMUP_MESSAGES = 2_000;
  private static final int ALONE_MESSAGES = 5_000;
  private static final int LOADED_MESSAGES = 8_000;
  private static final int QUEUE_CAP = 1024 * 1024; // limits.outboundQueueBytes default
  /** After the slow-consumer closes, how long the node may keep a non-reading client's socket and queued bytes. */
  private static final long RELEASE_TIMEOUT_MS = 5_000;

  @RegisterExtension
  // a closing client that reads nothing has its connection cut after limits.closeTimeoutMs
  static final GatewayExtension gateway = GatewayExtension.config(new JsonObject()
      .put("limits", new JsonObject().put("messagesPerSecond", 5_000).put("messageBurst", 5_000)
          .put("bytesPerSecond", 8 * 1024 * 1024).put("byteBurst", 8 * 1024 * 1024)
          .put("closeTimeoutMs", RELEASE_TIMEOUT_MS / 2)));

  @Test
  void slowConsumersAreClosedAndBoundedWhileHealthyClientsKeepUp() throws Exception {
    TestGateway gw = gateway.node();
    List<HealthySubscriber> healthy = new ArrayList<>();
    List<RawWebSocket> slow = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < HEALTHY; i++) {
        healthy.add(HealthySubscriber.connect(gateway.client(), gw.port, ADDRESS));
      }
      PacedPublisher publisher = new PacedPublisher(gateway.connect(), ADDRESS);
      int frameBytes = publisher.frameBytes(LOADED_MESSAGES);
      publishAndCheckHealthy(publisher, healthy, WARMUP_MESSAGES); // the node just started: JIT warm-up
      List<String> aloneProblems = publishAndCheckHealthy(publisher, healthy, ALONE_MESSAGES);
      for (int i = 0; i < SLOW; i++) {
        RawWebSocket ws = RawWebSocket.connect(gw.port, "/ws", 4096);
        slow.add(ws);
        ws.send(RawFrame.text(new JsonObject().put("type", "register").put("address", ADDRESS).put("ack", "s" + i).encode()));
        ws.awaitText("\"ack\":\"s" + i + "\"", 10); // subscribed; from now on this socket is never read
      }
      assertEquals(SLOW + HEALTHY + 1, sum(gw, "gateway_connections", "transport=\"websocket\""), "connections before loading");

      double droppedBefore = sum(gw, DROPPED);
      List<String> healthyProblems;
      GatewayProbe.Sampler sampler = new GatewayProbe.Sampler(gw, SLOW);
      try {
        healthyProblems = publishAndCheckHealthy(publisher, healthy, LOADED_MESSAGES);
        GatewayProbe.awaitAtLeast(() -> GatewayProbe.slowConsumerCloses(gw), SLOW, 10_000);
      } finally {
        sampler.close();
      }
      double slowClosed = sum(gw, CLOSED, SLOW_CONSUMER);
      double dropped = sum(gw, DROPPED) - droppedBefore;

      // the node must let go of a client that never reads again: its socket and its queued bytes
      double queueLeft = GatewayProbe.awaitAtMost(() -> GatewayProbe.queueBytes(gw), (double) HEALTHY * frameBytes, RELEASE_TIMEOUT_MS);
      String serverConnections = "vertx_http_server_active_connections " + sum(gw, "vertx_http_server_active_connections");
      int serverClosed = 0;
      boolean[] gone = new boolean[SLOW];
      long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (serverClosed < SLOW && System.nanoTime() < probeDeadline) {
        for (int i = 0; i < SLOW; i++) {
          if (!gone[i] && slow.get(i).writeFails()) {
            gone[i] = true;
            serverClosed++;
          }
        }
        Thread.sleep(50);
      }
      int serverClosedCount = serverClosed;
      List<Future<RawWebSocket.Drain>> drains = new ArrayList<>();
      for (RawWebSocket ws : slow) {
        drains.add(pool.submit(() -> ws.drain(1_000)));
      }
      Map<String, Integer> drainEnds = new TreeMap<>();
      long drained = 0;
      int badDrains = 0;
      for (Future<RawWebSocket.Drain> d : drains) {
        RawWebSocket.Drain r = d.get(60, TimeUnit.SECONDS);
        drained += r.bytes();
        drainEnds.merge("close=" + r.closeCode() + " end=" + r.end().replaceAll(":.*", ""), 1, Integer::sum);
        badDrains += r.end().equals("timeout") || (r.closeCode() != -1 && r.closeCode() != 4000) ? 1 : 0;
      }
      int badDrainCount = badDrains;

      System.out.printf("SlowConsumerTest: %d slow + %d healthy clients, %d msg/s, frame %d bytes%n", SLOW, HEALTHY, RATE, frameBytes);
      System.out.printf("  slow_consumer closes: %.0f, all reached %d ms after publishing started; dropped %.0f%n",
          slowClosed, sampler.closesReachedAtMs(), dropped);
      System.out.printf("  peak %s: %s at %d ms (%d samples)%n", QUEUE_BYTES, mib(sampler.peak()), sampler.peakAtMs(), sampler.samples());
      System.out.printf("  up to %.1f s after the closes: %s = %s; %s; server closed %d of %d non-reading sockets%n",
          RELEASE_TIMEOUT_MS / 1e3, QUEUE_BYTES, mib(queueLeft), serverConnections, serverClosedCount, SLOW);
      System.out.printf("  when the slow clients read again: %s read; %s%n", mib(drained), drainEnds);

      List<Executable> checks = new ArrayList<>();
      checks.add(() -> assertEquals(SLOW, slowClosed, "slow consumers closed with 4000 (slow_consumer)"));
      checks.add(() -> assertTrue(sampler.peak() >= 0.9 * SLOW * QUEUE_CAP, "slow clients' queues never filled: " + mib(sampler.peak())));
      checks.add(() -> assertTrue(sampler.peak() <= (double) (SLOW + HEALTHY) * (QUEUE_CAP + frameBytes),
          "queued bytes above the per-connection cap: " + mib(sampler.peak())));
      checks.add(() -> assertTrue(dropped > 0, "no broadcast was dropped"));
      checks.add(() -> assertEquals(List.of(), aloneProblems, "healthy clients, before the slow ones came"));
      checks.add(() -> assertEquals(List.of(), healthyProblems, "healthy clients, next to the slow ones"));
      checks.add(() -> assertTrue(queueLeft <= (double) HEALTHY * frameBytes,
          "outbound bytes still held for closed slow consumers: " + mib(queueLeft)));
      checks.add(() -> assertEquals(SLOW, serverClosedCount, "non-reading sockets the server closed"));
      checks.add(() -> assertEquals(0, badDrainCount, "slow sockets that did not end, or ended with another code: " + drainEnds));
      assertAll(checks);
    } finally {
      pool.shutdownNow();
      slow.forEach(RawWebSocket::close);
      healthy.forEach(HealthySubscriber::close);
    }
  }

  /**
   * Publishes {@code count} messages at {@link #RATE} and waits (bounded) until every healthy
   * client has them all; what went wrong for each healthy client (missing, gaps, reordering, closed).
   */
  private static List<String> publishAndCheckHealthy(PacedPublisher publisher, List<HealthySubscriber> healthy,
                                                     int count) throws InterruptedException {
    healthy.forEach(h -> h.expect(count));
    publisher.publish(count, RATE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && healthy.stream().anyMatch(h -> h.received() < count)) {
      Thread.sleep(20);
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < healthy.size(); i++) {
      HealthySubscriber h = healthy.get(i);
      int received = h.received();
      if (received != count || h.gaps() != 0 || h.outOfOrder() != 0 || h.closeCode() != null) {
        problems.add("client " + i + ": received " + received + "/" + count + ", gaps " + h.gaps()
            + ", out of order " + h.outOfOrder() + ", closed " + h.closeCode());
      }
    }
    return problems;
  }
}
