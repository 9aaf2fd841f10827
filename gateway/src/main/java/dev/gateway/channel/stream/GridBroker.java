package dev.gateway.channel.stream;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The streams of a cluster, in its Hazelcast data grid: one map entry per history channel, held
 * as an object on the node that owns its partition (no copy per append) with a backup copy on
 * another node ({@code history.backups}), so history survives the loss of any one node. Appends
 * and reads run there ({@link GridOps}): the owner is the channel's one sequencer.
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

  private final Vertx vertx;
  private final HistoryRules rules;
  private final int maxChannels;
  private final int maxChannelsPerNode;
  private final HistoryMetrics metrics;
  private final IMap<String, ChannelStream> map;
  /** Channels this node appended to recently (so only new ones pay the cap checks). */
  private final Map<String, Long> known = new ConcurrentHashMap<>();
  /** The cluster's stream count, refreshed every second off the event loop (a grid-wide call). */
  private final AtomicLong clusterStreams = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  public GridBroker(Vertx vertx, HazelcastInstance hazelcast, HistoryRules rules, int maxChannels,
                    int maxChannelsPerNode, HistoryMetrics metrics) {
    this.vertx = vertx;
    this.rules = rules;
    this.maxChannels = maxChannels;
    this.maxChannelsPerNode = maxChannelsPerNode;
    this.metrics = metrics;
    this.map = hazelcast.getMap(MAP);
    metrics.source(() -> map.getLocalMapStats().getOwnedEntryCount(), messages::get, bytes::get);
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
  public Future<ChannelStream.Appended> append(String channel, byte[] headers, byte[] body,
                                               String idempotencyKey) {
    HistoryRules.Rule rule = rules.ruleFor(channel);
    if (rule == null) {
      return Future.failedFuture(new IllegalArgumentException("'" + channel + "' keeps no history"));
    }
    Context context = vertx.getOrCreateContext();
    long now = System.currentTimeMillis();
    Long seen = known.get(channel);
    boolean mayCreate = seen != null && now - seen < KNOWN_MS || clusterStreams.get() < maxChannels;
    long started = System.nanoTime();
    GridOps.Append op = new GridOps.Append(rule, headers, body, now, idempotencyKey,
        ChannelStream.newEpoch(), mayCreate, maxChannelsPerNode);
    return Future.fromCompletionStage(map.submitToKey(channel, op), context).compose(r -> {
      metrics.appended(System.nanoTime() - started);
      if (r.refused()) {
        String why = clusterStreams.get() >= maxChannels ? "channel_limit" : "node_channel_limit";
        metrics.refused(why);
        return Future.failedFuture(new HistoryRefused("history channel limit reached ("
            + (why.equals("channel_limit") ? maxChannels + " in the cluster"
            : maxChannelsPerNode + " on a node") + "): no new history channel until others expire"));
      }
      known.put(channel, now);
      if (r.duplicate) {
        metrics.duplicate();
      }
      return Future.succeededFuture(new ChannelStream.Appended(new StreamPosition(r.offset, r.epoch),
          r.duplicate));
    });
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
