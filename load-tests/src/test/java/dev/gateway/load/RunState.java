package dev.gateway.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the virtual users of one run share (all in the Gatling JVM): who has subscribed, when the
 * publishers are done, what each chat user sent, and the delivery statistics. Publishers start only
 * once every subscriber has subscribed (or given up), so each subscriber can expect every message.
 */
public final class RunState {

  private volatile long startedAt = System.currentTimeMillis();
  private final Map<String, AtomicInteger> indices = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> arrived = new ConcurrentHashMap<>();
  private final AtomicInteger publishersDone = new AtomicInteger();
  private volatile long allPublishersDoneAt;
  private int publishers;
  /** Chat: messages each sender published, by sender id; set to its final value once it is done. */
  private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
  private final Map<String, Boolean> senderDone = new ConcurrentHashMap<>();
  /** xhr-streaming subscribers still reading: the flusher pushes their streams to the end. */
  public final AtomicInteger openStreams = new AtomicInteger();
  private final Map<String, LatencyHistogram> latency = new ConcurrentHashMap<>();
  public final AtomicLong problems = new AtomicLong();
  private final Map<String, AtomicLong> events = new ConcurrentHashMap<>();

  /** The run begins now (the simulation's before(), once the target is up). */
  public void start() {
    startedAt = System.currentTimeMillis();
  }

  public void expectPublishers(int n) {
    publishers = n;
  }

  /** 0, 1, 2, ... per role: the index decides a user's channel or room. */
  public int nextIndex(String role) {
    return indices.computeIfAbsent(role, r -> new AtomicInteger()).getAndIncrement();
  }

  /** A user of the role reached its start line (subscribed, or failed trying). */
  public void arrive(String role) {
    arrived.computeIfAbsent(role, r -> new AtomicInteger()).incrementAndGet();
  }

  public int arrived(String role) {
    AtomicInteger n = arrived.get(role);
    return n == null ? 0 : n.get();
  }

  public void publisherDone() {
    if (publishersDone.incrementAndGet() >= publishers) {
      allPublishersDoneAt = System.currentTimeMillis();
    }
  }

  /** Publishing has ended for at least this long (0: just ended; negative: not yet). */
  public long millisSincePublishersDone() {
    long at = allPublishersDoneAt;
    return at == 0 ? -1 : System.currentTimeMillis() - at;
  }

  public long millisSinceStart() {
    return System.currentTimeMillis() - startedAt;
  }

  public void countSent(String sender) {
    sent.computeIfAbsent(sender, s -> new AtomicInteger()).incrementAndGet();
  }

  public void senderDone(String sender) {
    sent.computeIfAbsent(sender, s -> new AtomicInteger());
    senderDone.put(sender, true);
  }

  /** Final count of a finished sender, or -1 while it is still sending (or never finished). */
  public int finalCount(String sender) {
    return senderDone.containsKey(sender) ? sent.get(sender).get() : -1;
  }

  public LatencyHistogram latency(String transport) {
    return latency.computeIfAbsent(transport, t -> new LatencyHistogram());
  }

  /** Counts something worth a line in the summary (e.g. streams reopened). */
  public void count(String event) {
    events.computeIfAbsent(event, e -> new AtomicLong()).incrementAndGet();
  }

  public String summary() {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(events).forEach((e, n) -> b.append("  ").append(e).append(": ").append(n).append('\n'));
    new TreeMap<>(latency).forEach((t, h) -> b.append("  ").append(t).append(": ")
        .append(h.summary()).append('\n'));
    b.append("  delivery problems reported: ").append(problems.get());
    return b.toString();
  }
}
