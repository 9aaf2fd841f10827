package dev.gateway.channel.stream;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The streams of a cluster, in its Hazelcast data grid: one map entry per history channel, held
 * as an object on the node that owns its partition (no copy per append) with a backup copy on
 * another node ({@code history.backups}), so history survives the loss of any one node. Appends
 * and reads run there ({@link GridOps}): the owner is the channel's one sequencer, and its one
 * broadcaster. Each node sends a channel's publications in batches, one batch in flight at a
 * time (at most {@link #MAX_PENDING} wait behind it; {@code gateway_history_pending}).
 *
 * <p>Caps: a publication that would create a new stream is refused once the cluster holds
 * {@code history.maxChannels} streams or this node owns {@code history.maxChannelsPerNode}; the
 * bytes a node holds are bounded by its streams times their rules' {@code maxBytes}. Existing
 * streams always accept appends.
 */
public final class GridBroker implements Broker {

  /** The grid map of the streams. */
  public static final String MAP = "gateway.history";
  /** How long a channel this node has appended to is taken to exist without asking. */
  static final long KNOWN_MS = 10_000;
  /** Where a node's Hazelcast instance keeps its broker, for the operations it runs. */
  static final String USER_CONTEXT_KEY = "gateway.history.broker";
  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(GridBroker.class.getName());
  /** Publications of one channel that may wait on this node while its batch is in flight. */
  static final int MAX_PENDING = 10_000;
  /** At most this many publications, or about this many bytes, travel in one batch. */
  static final int MAX_BATCH = 256;
  static final long MAX_BATCH_BYTES = 1 << 20;

  private final Vertx vertx;
  private final HistoryRules rules;
  private final int maxChannels;
  private final int maxChannelsPerNode;
  private final HistoryMetrics metrics;
  private final IMap<String, ChannelStream> map;
  /** Where this node broadcasts the publications it sequences, all channels alike. */
  private final Context broadcasts;
  private final Broadcast broadcast;
  /** This node's id: its batches are numbered, so the stream can tell a retried one. */
  private final String origin;
  private final AtomicLong batches = new AtomicLong();
  /** Channels this node appended to recently (so only new ones pay the cap checks). */
  private final Map<String, Long> known = new ConcurrentHashMap<>();
  /** The cluster's stream count, refreshed every second off the event loop (a grid-wide call). */
  private final AtomicLong clusterStreams = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  /** Per channel: the publications waiting while its batch is in flight (present = in flight). */
  private final Map<String, ArrayDeque<Pending>> pipes = new ConcurrentHashMap<>();
  private final AtomicLong pending = new AtomicLong();

  public GridBroker(Vertx vertx, HazelcastInstance hazelcast, HistoryRules rules, int maxChannels,
                    int maxChannelsPerNode, HistoryMetrics metrics, String origin,
                    Broadcast broadcast) {
    this.vertx = vertx;
    this.origin = origin;
    this.broadcast = broadcast;
    this.rules = rules;
    this.maxChannels = maxChannels;
    this.maxChannelsPerNode = maxChannelsPerNode;
    this.metrics = metrics;
    this.map = hazelcast.getMap(MAP);
    this.broadcasts = vertx.getOrCreateContext();
    hazelcast.getUserContext().put(USER_CONTEXT_KEY, this);
    metrics.source(() -> map.getLocalMapStats().getOwnedEntryCount(), messages::get, bytes::get);
    metrics.pending(pending::get);
    vertx.setPeriodic(10_000, t -> refreshStats());
    vertx.setPeriodic(1_000, t -> vertx.executeBlocking(() -> (long) map.size(), false)
        .onSuccess(clusterStreams::set));
  }

  /** The grid configuration of the streams' map, added to the node's Hazelcast configuration. */
  public static void configure(Config config, int backups) {
    config.addMapConfig(new MapConfig(MAP)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(backups)
        .setStatisticsEnabled(true)
        .setMergePolicyConfig(new com.hazelcast.config.MergePolicyConfig(
            GridOps.NewEpochOnMerge.class.getName(), 100)));
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
    Pending p = new Pending(publication, vertx.getOrCreateContext(), Promise.promise());
    boolean[] full = {false};
    boolean[] first = {false};
    pipes.compute(channel, (k, pipe) -> {
      if (pipe == null) {
        pipe = new ArrayDeque<>();
        first[0] = true;
      } else if (pipe.size() >= MAX_PENDING) {
        full[0] = true;
        return pipe;
      }
      pipe.add(p);
      pending.incrementAndGet();
      return pipe;
    });
    if (full[0]) {
      metrics.refused("queue_full");
      return Future.failedFuture(new HistoryRefused("too many publications waiting for '" + channel
          + "' (" + MAX_PENDING + "): publish more slowly"));
    }
    if (first[0]) {
      send(channel, rule);
    }
    return p.promise.future();
  }

  /**
   * Sends the channel's waiting publications as one batch, or, with none waiting, ends its
   * pipeline. One batch per channel is in flight at a time, so this node's publications take
   * offsets in the order they were published here.
   */
  private void send(String channel, HistoryRules.Rule rule) {
    List<Pending> batch = new ArrayList<>();
    pipes.computeIfPresent(channel, (k, pipe) -> {
      long size = 0;
      while (!pipe.isEmpty() && batch.size() < MAX_BATCH && size < MAX_BATCH_BYTES) {
        Pending p = pipe.poll();
        size += p.publication.size();
        batch.add(p);
      }
      return batch.isEmpty() ? null : pipe;
    });
    if (batch.isEmpty()) {
      return;
    }
    pending.addAndGet(-batch.size());
    long now = System.currentTimeMillis();
    Long seen = known.get(channel);
    boolean mayCreate = seen != null && now - seen < KNOWN_MS || clusterStreams.get() < maxChannels;
    List<Publication> entries = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      entries.add(p.publication);
    }
    long started = System.nanoTime();
    GridOps.Append op = new GridOps.Append(rule, origin, batches.incrementAndGet(), entries, now,
        ChannelStream.newEpoch(), mayCreate, maxChannelsPerNode, true);
    map.submitToKey(channel, op).whenComplete((r, failure) -> {
      try {
        completed(channel, batch, r, failure, now, started);
      } finally {
        send(channel, rule);
      }
    });
  }

  private void completed(String channel, List<Pending> batch, GridOps.AppendResult r,
                         Throwable failure, long now, long started) {
    if (failure != null) {
      for (Pending p : batch) {
        p.fail(failure);
      }
      return;
    }
    metrics.appended(System.nanoTime() - started);
    if (r.refused()) {
      String why = clusterStreams.get() >= maxChannels ? "channel_limit" : "node_channel_limit";
      metrics.refused(why);
      HistoryRefused refused = new HistoryRefused("history channel limit reached ("
          + (why.equals("channel_limit") ? maxChannels + " in the cluster"
          : maxChannelsPerNode + " on a node") + "): no new history channel until others expire");
      for (Pending p : batch) {
        p.fail(refused);
      }
      return;
    }
    known.put(channel, now);
    for (int i = 0; i < batch.size(); i++) {
      ChannelStream.Appended a = r.appended(i);
      if (a.duplicate()) {
        metrics.duplicate();
      }
      Pending p = batch.get(i);
      p.context.runOnContext(v -> p.promise.complete(a));
    }
  }

  /** The broker of the node a grid operation runs on (null while the node is starting). */
  static GridBroker on(HazelcastInstance hazelcast) {
    return (GridBroker) hazelcast.getUserContext().get(USER_CONTEXT_KEY);
  }

  /**
   * Broadcasts a batch this node, the channel's sequencer, has just appended (called on the
   * partition thread of the channel's entry, one batch after the other): from one context, as
   * the event bus keeps the order of what one context publishes (a thread outside Vert.x would
   * get a new context, and no order, for every publication).
   */
  void broadcast(String channel, List<Publication> entries, GridOps.AppendResult result) {
    broadcasts.runOnContext(v -> {
      for (int i = 0; i < entries.size(); i++) {
        ChannelStream.Appended a = result.appended(i);
        if (!a.duplicate()) {
          try {
            broadcast.send(channel, entries.get(i), a.position());
          } catch (RuntimeException e) {
            LOG.log(java.util.logging.Level.WARNING, "broadcast of " + channel + " failed", e);
          }
        }
      }
    });
  }

  /** A publication waiting for its channel's batch, with where to answer. */
  private record Pending(Publication publication, Context context,
                         Promise<ChannelStream.Appended> promise) {
    void fail(Throwable failure) {
      context.runOnContext(v -> promise.fail(failure));
    }
  }

  @Override
  public Future<ChannelStream.Slice> after(String channel, long since, int limit) {
    return read(channel, new GridOps.Read(since, limit, false, oldest(channel)));
  }

  @Override
  public Future<ChannelStream.Slice> latest(String channel, int limit) {
    return read(channel, new GridOps.Read(0, limit, true, oldest(channel)));
  }

  @Override
  public Future<StreamPosition> position(String channel) {
    return after(channel, Long.MAX_VALUE, 0).map(s -> s == null ? null : s.position());
  }

  private long oldest(String channel) {
    HistoryRules.Rule rule = rules.ruleFor(channel);
    return rule == null ? Long.MAX_VALUE : System.currentTimeMillis() - rule.ttlSeconds() * 1000;
  }

  private Future<ChannelStream.Slice> read(String channel, GridOps.Read op) {
    return Future.fromCompletionStage(map.submitToKey(channel, op), vertx.getOrCreateContext())
        .map(r -> r == null ? null : r.slice);
  }

  /** Counts the publications and bytes of the streams this node owns (every 10 s). */
  private void refreshStats() {
    Set<String> mine = map.localKeySet();
    if (mine.isEmpty()) {
      messages.set(0);
      bytes.set(0);
      return;
    }
    Future.fromCompletionStage(map.submitToKeys(mine, new GridOps.Stats()), vertx.getOrCreateContext())
        .onSuccess(stats -> {
          long m = 0;
          long b = 0;
          for (long[] s : stats.values()) {
            m += s[0];
            b += s[1];
          }
          messages.set(m);
          bytes.set(b);
        });
    known.entrySet().removeIf(e -> System.currentTimeMillis() - e.getValue() > KNOWN_MS);
  }
}
