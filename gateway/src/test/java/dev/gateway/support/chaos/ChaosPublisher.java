package dev.gateway.support.chaos;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes to a set of history channels through the HTTP API at a steady rate per channel,
 * rotating over the nodes that are up (publishers on every node). Each channel has one
 * publication in flight at a time; one that fails (a node killed, frozen or draining) is sent
 * again, with the same {@code Idempotency-Key}, to the next node, so a publication the stream
 * already took is not taken twice. Every publication's id ({@code body.id}) and acked position
 * are kept for the final comparison with history. Runs on the Vert.x it is given.
 */
public final class ChaosPublisher {

  /** An acked publication: its id, and the position the gateway answered. */
  public record Acked(String id, long offset, String epoch) {
  }

  private final Vertx vertx;
  private final HistoryApi api;
  private final RecoveringClient.Nodes nodes;
  private final long periodMs;
  private final String pad;
  private final Map<String, List<Acked>> acked = new HashMap<>();
  private final AtomicInteger retries = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean stopped;
  private int rotation;

  public ChaosPublisher(Vertx vertx, HistoryApi api, RecoveringClient.Nodes nodes,
                        int perSecond, int padChars) {
    this.vertx = vertx;
    this.api = api;
    this.nodes = nodes;
    this.periodMs = 1000 / perSecond;
    this.pad = "x".repeat(padChars);
  }

  /** Starts publishing to each channel (spread over one period). */
  public ChaosPublisher start(List<String> channels) {
    for (int i = 0; i < channels.size(); i++) {
      String ch = channels.get(i);
      synchronized (this) {
        acked.put(ch, new ArrayList<>());
      }
      vertx.setTimer(1 + i * periodMs / channels.size(), t -> publish(ch, 0, 0));
    }
    return this;
  }

  private void publish(String channel, int n, int attempt) {
    if (stopped) {
      return;
    }
    String id = channel + "#" + n;
    int port = nextNode();
    if (port < 0) {
      vertx.setTimer(100, t -> publish(channel, n, attempt));
      return;
    }
    long sent = System.currentTimeMillis();
    inFlight.incrementAndGet();
    api.publish(port, channel, new JsonObject().put("id", id).put("pad", pad), id)
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.failed()) {
            retries.incrementAndGet();
            vertx.setTimer(100, t -> publish(channel, n, attempt + 1));
            return;
          }
          JsonObject a = ar.result();
          synchronized (this) {
            acked.get(channel).add(new Acked(id, Long.parseLong(a.getString("offset")),
                a.getString("epoch")));
          }
          long wait = Math.max(1, sent + periodMs - System.currentTimeMillis());
          vertx.setTimer(wait, t -> publish(channel, n + 1, 0));
        });
  }

  /**
   * Publishes {@code count} publications of {@code padChars} characters to the channel, one
   * after the other over the nodes that are up; blocks until all are acked (never call it on an
   * event loop).
   */
  public static void burst(HistoryApi api, RecoveringClient.Nodes nodes, String channel,
                           int count, int padChars) throws Exception {
    String pad = "b".repeat(padChars);
    int done = 0;
    for (int n = 0, attempt = 0; done < count; attempt++) {
      int index = Math.floorMod(attempt, nodes.size());
      if (!nodes.up(index)) {
        continue;
      }
      String id = channel + "#" + n;
      try {
        api.publish(nodes.port(index), channel, new JsonObject().put("id", id).put("pad", pad), id)
            .await(HistoryApi.TIMEOUT_MS + 1_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        done++;
        n++;
      } catch (Exception e) {
        Thread.sleep(100); // the next node, same id
      }
    }
  }

  private synchronized int nextNode() {
    for (int i = 0; i < nodes.size(); i++) {
      int index = Math.floorMod(rotation++, nodes.size());
      if (nodes.up(index)) {
        return nodes.port(index);
      }
    }
    return -1;
  }

  /** Stops after the publications in flight; true once none is left within the time. */
  public boolean stop(long millis) throws InterruptedException {
    stopped = true;
    long deadline = System.currentTimeMillis() + millis;
    while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return inFlight.get() == 0;
  }

  public synchronized List<Acked> acked(String channel) {
    return new ArrayList<>(acked.getOrDefault(channel, List.of()));
  }

  /** Publications sent again after a failure. */
  public int retries() {
    return retries.get();
  }

  /**
   * Compares the acked publications with the channel's history at the end: each acked in the
   * history's epoch at an offset history retains must be there, with its id; the history holds
   * each id once. The failures, empty when it matches.
   */
  public List<String> verify(String channel, JsonObject history) {
    List<String> failures = new ArrayList<>();
    String epoch = history.getString("epoch");
    Map<Long, String> stored = new HashMap<>();
    Map<String, Long> seen = new HashMap<>();
    for (Object o : history.getJsonArray("messages")) {
      JsonObject m = (JsonObject) o;
      long offset = Long.parseLong(m.getString("offset"));
      String id = m.getJsonObject("body").getString("id");
      stored.put(offset, id);
      Long before = seen.put(id, offset);
      if (before != null) {
        failures.add(channel + ": publication " + id + " stored twice, at " + before + " and " + offset);
      }
    }
    long oldest = stored.keySet().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
    for (Acked a : acked(channel)) {
      if (a.epoch().equals(epoch) && a.offset() >= oldest && !a.id().equals(stored.get(a.offset()))) {
        failures.add(channel + ": publication " + a.id() + " acked at " + a.offset() + "@" + epoch
            + ", history holds " + stored.get(a.offset()) + " there");
      }
    }
    return failures;
  }
}
