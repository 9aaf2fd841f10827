package dev.gateway.channel.stream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The streams of a single node, in its memory, with the {@link Broker} guarantees: appends to
 * one channel are serialised on the stream (any event loop may append), and every stream of the
 * process gets a fresh epoch, so a node that restarts starts new epochs and no client recovers
 * from a history that is gone. Streams idle past their time to live are forgotten by a sweep.
 */
public final class MemoryBroker implements Broker {

  /** How often idle streams are looked for. */
  static final long SWEEP_MS = 5_000;

  private final HistoryRules rules;
  private final int maxChannels;
  private final long maxBytes;
  private final ConcurrentHashMap<String, ChannelStream> streams = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final HistoryMetrics metrics;
  private final Broadcast broadcast;

  public MemoryBroker(Vertx vertx, HistoryRules rules, int maxChannels, long maxBytes,
                      HistoryMetrics metrics, Broadcast broadcast) {
    this.rules = rules;
    this.broadcast = broadcast;
    this.maxChannels = maxChannels;
    this.maxBytes = maxBytes;
    this.metrics = metrics;
    metrics.source(this::channels, this::messages, bytes::get);
    if (!rules.isEmpty()) {
      vertx.setPeriodic(SWEEP_MS, t -> sweep(System.currentTimeMillis()));
    }
  }

  @Override
  public HistoryRules rules() {
    return rules;
  }

  @Override
  public Future<ChannelStream.Appended> append(String channel, Publication publication) {
    HistoryRules.Rule rule = rules.ruleFor(channel);
    if (rule == null) {
      return Future.failedFuture(new IllegalArgumentException("'" + channel + "' keeps no history"));
    }
    long started = System.nanoTime();
    ChannelStream stream = streams.get(channel);
    if (stream == null) {
      if (streams.size() >= maxChannels) {
        metrics.refused("channel_limit");
        return Future.failedFuture(new HistoryRefused("history channel limit reached ("
            + maxChannels + "): no new history channel until others expire"));
      }
      stream = streams.computeIfAbsent(channel, c -> ChannelStream.create());
    }
    if (bytes.get() >= maxBytes) {
      metrics.refused("bytes_limit");
      return Future.failedFuture(new HistoryRefused("history memory limit reached (" + maxBytes
          + " bytes)"));
    }
    ChannelStream.Appended appended;
    synchronized (stream) {
      long before = stream.bytes();
      appended = stream.append(publication.headers(), publication.body(),
          System.currentTimeMillis(), publication.idempotencyKey(), rule);
      bytes.addAndGet(stream.bytes() - before);
      if (!appended.duplicate()) {
        // under the stream's lock: the local event bus queues it for each subscriber at once,
        // so broadcasts leave in offset order
        broadcast.send(channel, publication, appended.position());
      }
    }
    if (appended.duplicate()) {
      metrics.duplicate();
    }
    metrics.appended(System.nanoTime() - started);
    return Future.succeededFuture(appended);
  }

  @Override
  public Future<ChannelStream.Slice> after(String channel, long since, int limit) {
    ChannelStream stream = streams.get(channel);
    if (stream == null) {
      return Future.succeededFuture(null);
    }
    synchronized (stream) {
      HistoryRules.Rule rule = rules.ruleFor(channel);
      long before = stream.bytes();
      stream.expire(System.currentTimeMillis(), rule);
      bytes.addAndGet(stream.bytes() - before);
      return Future.succeededFuture(stream.after(since, limit));
    }
  }

  @Override
  public Future<ChannelStream.Slice> latest(String channel, int limit) {
    ChannelStream stream = streams.get(channel);
    if (stream == null) {
      return Future.succeededFuture(null);
    }
    synchronized (stream) {
      HistoryRules.Rule rule = rules.ruleFor(channel);
      long before = stream.bytes();
      stream.expire(System.currentTimeMillis(), rule);
      bytes.addAndGet(stream.bytes() - before);
      return Future.succeededFuture(stream.latest(limit));
    }
  }

  @Override
  public Future<StreamPosition> position(String channel) {
    ChannelStream stream = streams.get(channel);
    if (stream == null) {
      return Future.succeededFuture(null);
    }
    synchronized (stream) {
      return Future.succeededFuture(stream.position());
    }
  }

  /** Forgets streams without a publication for their time to live; expires old publications. */
  void sweep(long now) {
    for (Map.Entry<String, ChannelStream> e : streams.entrySet()) {
      HistoryRules.Rule rule = rules.ruleFor(e.getKey());
      ChannelStream s = e.getValue();
      synchronized (s) {
        long before = s.bytes();
        if (rule == null || now - s.lastPublishMillis() > rule.ttlSeconds() * 1000) {
          streams.remove(e.getKey(), s);
          bytes.addAndGet(-before);
        } else {
          s.expire(now, rule);
          bytes.addAndGet(s.bytes() - before);
        }
      }
    }
  }

  private long channels() {
    return streams.size();
  }

  private long messages() {
    long n = 0;
    for (ChannelStream s : streams.values()) {
      n += s.retained();
    }
    return n;
  }
}
