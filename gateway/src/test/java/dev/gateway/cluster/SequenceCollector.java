package dev.gateway.cluster;

import dev.gateway.support.Await;
import dev.gateway.support.BridgeClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Drains a subscribed {@link BridgeClient} on its own thread and records the {@code seq} of every
 * {@code rec} on one channel (bodies {@code {"seq":N}}); warm-up bodies ({@code {"warm":..}}) are
 * only noted. Also the request helper the cluster tests share.
 */
final class SequenceCollector implements AutoCloseable {

  final String label;
  private final BridgeClient client;
  private final String channel;
  private final List<Long> seqs = new ArrayList<>();
  private volatile boolean warm;
  private volatile boolean running = true;
  private final Thread thread;

  SequenceCollector(String label, BridgeClient client, String channel) {
    this.label = label;
    this.client = client;
    this.channel = channel;
    this.thread = new Thread(this::drain, "collector-" + label);
    thread.setDaemon(true);
    thread.start();
  }

  private void drain() {
    while (running) {
      JsonObject m = client.next(1);
      if (m == null || !"rec".equals(m.getString("type")) || !channel.equals(m.getString("address"))) {
        continue;
      }
      Object body = m.getValue("body");
      if (body instanceof JsonObject b && b.containsKey("seq")) {
        synchronized (seqs) {
          seqs.add(b.getLong("seq"));
        }
      } else if (body instanceof JsonObject b && b.containsKey("warm")) {
        warm = true;
      }
    }
  }

  boolean warm() {
    return warm;
  }

  List<Long> seqs() {
    synchronized (seqs) {
      return new ArrayList<>(seqs);
    }
  }

  int count() {
    synchronized (seqs) {
      return seqs.size();
    }
  }

  boolean contains(long seq) {
    synchronized (seqs) {
      return seqs.contains(seq);
    }
  }

  /** Waits until the sequence includes {@code seq}; false after the timeout. */
  boolean awaitSeq(long seq, long seconds) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (contains(seq)) {
        return true;
      }
      Await.pause(50);
    }
    return contains(seq);
  }

  /**
   * Null when the recorded sequence is exactly {@code from..to} in order (no gap, no duplicate,
   * no reordering); else a description of the first deviation.
   */
  String deviationFrom(long from, long to) {
    List<Long> got = seqs();
    long expected = from;
    for (int i = 0; i < got.size(); i++) {
      long s = got.get(i);
      if (s != expected) {
        String kind = s < expected ? "duplicate or reordered" : "gap (missing " + expected
            + (s - 1 > expected ? ".." + (s - 1) : "") + ")";
        return label + ": " + kind + " at index " + i + ": got " + s + ", expected " + expected
            + " (received " + got.size() + ", expected " + (to - from + 1) + ")";
      }
      expected++;
    }
    if (expected != to + 1) {
      return label + ": stopped at " + (expected - 1) + ", expected up to " + to
          + " (received " + got.size() + ")";
    }
    return null;
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends a request ({@code send} with a replyAddress) and returns the answer addressed to the
   * reply address ({@code rec} or {@code err}), or null after the timeout.
   */
  static JsonObject request(BridgeClient c, String address, long seconds) {
    String reply = "reply." + UUID.randomUUID();
    c.send(new JsonObject().put("type", "send").put("address", address).put("body", "probe")
        .put("replyAddress", reply));
    return c.await(m -> reply.equals(m.getString("address")), seconds);
  }
}
