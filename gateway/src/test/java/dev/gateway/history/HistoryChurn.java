package dev.gateway.history;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.chaos.HistoryApi;
import dev.gateway.support.chaos.RecoveringClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cross-node register/publish race on a history channel, counted by offsets: each cycle
 * connects a WebSocket to one node, registers with an ack (which carries the position P), then
 * publishes through the HTTP API of ANOTHER node right away (acked at offset O) while a
 * background publisher keeps publishing from every node; the client must then receive every
 * offset in (P, O], once, in order. A miss is a publication lost to a client the gateway had
 * told it was registered.
 */
final class HistoryChurn {

  static final long WAIT_SECONDS = 5;

  record Result(int cycles, int offsetsChecked, List<String> failures) {
  }

  private final Vertx vertx;
  private final HistoryApi api;
  private final RecoveringClient.Nodes nodes;
  private final String channel;

  HistoryChurn(Vertx vertx, HistoryApi api, RecoveringClient.Nodes nodes, String channel) {
    this.vertx = vertx;
    this.api = api;
    this.nodes = nodes;
    this.channel = channel;
  }

  /**
   * Churns for {@code millis}, and on until {@code minCycles} cycles are done (a loaded machine
   * runs few cycles) or {@code maxMillis} passed.
   */
  Result run(int users, long millis, int minCycles, long maxMillis) throws Exception {
    AtomicInteger cycles = new AtomicInteger();
    AtomicInteger checked = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
    long last = start + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    ExecutorService pool = Executors.newFixedThreadPool(users);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int u = 0; u < users; u++) {
        int user = u;
        running.add(pool.submit(() -> {
          for (int cycle = 0; System.nanoTime() < end
              || cycles.get() < minCycles && System.nanoTime() < last; cycle++) {
            String failure = cycle(user, cycle, checked);
            cycles.incrementAndGet();
            if (failure != null) {
              failures.add(failure);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(maxMillis + 60_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(cycles.get(), checked.get(), new ArrayList<>(failures));
  }

  /** One cycle; a description of what went wrong, or null. */
  private String cycle(int user, int cycle, AtomicInteger checked) throws Exception {
    int on = (user + cycle) % nodes.size();
    int other = (on + 1 + cycle % 2) % nodes.size();
    String id = "u" + user + "-c" + cycle;
    try (BridgeClient c = BridgeClient.connect(vertx, nodes.port(on))) {
      c.send(new JsonObject().put("type", "register").put("address", channel).put("ack", id));
      List<Long> beforeAck = new ArrayList<>();
      JsonObject ack = c.await(m -> {
        if ("rec".equals(m.getString("type"))) {
          beforeAck.add(offset(m));
        }
        return "ack".equals(m.getString("type")) && id.equals(m.getString("ack"));
      }, WAIT_SECONDS);
      if (ack == null) {
        return id + ": no register ack from node " + on;
      }
      long p = Long.parseLong(ack.getString("offset"));
      JsonObject published = api.publish(nodes.port(other), channel, new JsonObject().put("id", id), id)
          .await(HistoryApi.TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
      long o = Long.parseLong(published.getString("offset"));
      String epoch = published.getString("epoch");
      if (!ack.getString("epoch").equals(epoch) && p > 0) {
        return id + ": registered at " + p + "@" + ack.getString("epoch") + ", published at " + o
            + "@" + epoch;
      }
      List<Long> got = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      long last = p;
      while (last < o && System.nanoTime() < deadline) {
        JsonObject m = c.poll(100);
        if (m != null && "rec".equals(m.getString("type")) && channel.equals(m.getString("address"))) {
          last = offset(m);
          got.add(last);
        }
      }
      checked.addAndGet((int) (o - p));
      for (long expected = p + 1, i = 0; expected <= o; expected++, i++) {
        if (i >= got.size() || got.get((int) i) != expected) {
          return id + ": registered on node " + on + " at " + p + ", published on node " + other
              + " at " + o + "; received " + got + " after the ack, " + beforeAck + " before it";
        }
      }
      return null;
    }
  }

  private static long offset(JsonObject rec) {
    return Long.parseLong(rec.getJsonObject("headers").getString("gateway.offset"));
  }
}
