package dev.gateway.channel;

import dev.gateway.channel.stream.Broker;
import dev.gateway.channel.stream.ChannelStream;
import dev.gateway.channel.stream.HistoryMetrics;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.cluster.ClusterSeal;
import dev.gateway.protocol.Outbound;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.Json;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Node-level channel registrations: exactly one event-bus consumer per channel per node,
 * reference-counted by the {@link FanoutShard}s that have local subscribers. A broadcast arriving
 * on the event bus is encoded once here and handed to each interested shard.
 *
 * <p>Guarantees: a shard's {@link #acquire} completes only after the consumer's registration has
 * completed (reached the cluster when clustered); delivery order per channel is the event bus's
 * order; subscribe and unsubscribe storms of clients never reach the event bus, only the first
 * subscriber and the last unsubscriber of a node do; a point-to-point message (send or request)
 * to a channel is never delivered to its subscribers: it is counted, and a request failed with
 * {@link #CHANNEL_REQUEST_FAILURE}; a broadcast on a history channel that names a position is
 * delivered only when its tag verifies ({@link ChannelBroadcast}). All state is confined to this verticle's
 * context; other threads call in through {@link #acquire} and {@link #release}.
 */
public final class ChannelHub extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(ChannelHub.class.getName());

  /** Failure code of a request sent to a channel address. */
  public static final int CHANNEL_REQUEST_FAILURE = 405;

  /** How long broadcasts wait for a missing offset before it is read from history. */
  public static final long HOLE_WAIT_MS = 100;
  /** How often a history channel with subscribers here is compared with its stream's tail. */
  public static final long TAIL_CHECK_MS = 5_000;

  private final GatewayMetrics metrics;
  private final PublishStamp stamp;
  private final Broker broker;
  private final HistoryMetrics history;
  private final ClusterSeal seal;
  private final Map<String, Registration> registrations = new HashMap<>();
  private final AtomicInteger registrationCount = new AtomicInteger();
  private final AtomicInteger activeCount = new AtomicInteger();
  private Context hubContext;
  private boolean warnedPointToPoint;

  private static final class Registration {
    final Set<FanoutShard> shards = new LinkedHashSet<>();
    MessageConsumer<Object> consumer;
    Future<Void> ready;
    boolean active;
    /** The delivery order of a history channel (null for other channels). */
    StreamOrder order;
    long holeTimer = -1;
    long tailTimer = -1;
    boolean filling;
    /** The stream's tail at the last check (null before the first, or with no stream). */
    StreamPosition lastTail;
  }

  /** {@code seal} checks the tag of every broadcast that names a stream position. */
  public ChannelHub(GatewayMetrics metrics, PublishStamp stamp, Broker broker,
                    HistoryMetrics history, ClusterSeal seal) {
    this.metrics = metrics;
    this.stamp = stamp;
    this.broker = broker;
    this.history = history;
    this.seal = seal;
  }

  @Override
  public Future<?> start() {
    hubContext = context;
    metrics.gauge("gateway.eventbus.registrations",
        "Event-bus channel registrations held by this node", registrationCount::get);
    metrics.gauge("gateway.channels.active",
        "Channels with at least one subscriber on this node and a completed registration",
        activeCount::get);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    registrations.values().forEach(r -> r.consumer.unregister());
    registrations.clear();
    registrationCount.set(0);
    activeCount.set(0);
    return Future.succeededFuture();
  }

  /** Number of channels this node holds an event-bus registration for. */
  public int registrations() {
    return registrationCount.get();
  }

  /** Takes a reference on the channel for the shard; registers the consumer if it is the first. */
  Future<Void> acquire(String address, FanoutShard shard) {
    Promise<Void> result = Promise.promise();
    hubContext.runOnContext(v -> {
      Registration r = registrations.get(address);
      if (r == null) {
        r = register(address);
      }
      r.shards.add(shard);
      r.ready.onComplete(result);
    });
    return result.future();
  }

  /** Drops the shard's reference; the last one unregisters the consumer. */
  void release(String address, FanoutShard shard) {
    hubContext.runOnContext(v -> {
      Registration r = registrations.get(address);
      if (r != null && r.shards.remove(shard) && r.shards.isEmpty()) {
        registrations.remove(address);
        registrationCount.decrementAndGet();
        if (r.active) {
          r.active = false;
          activeCount.decrementAndGet();
        }
        cancelTimers(r);
        r.consumer.unregister();
      }
    });
  }

  private Registration register(String address) {
    Registration r = new Registration();
    registrations.put(address, r);
    registrationCount.incrementAndGet();
    if (broker.rules().ruleFor(address) != null) {
      r.order = new StreamOrder(address, out -> fanOut(address, r, out));
    }
    r.consumer = vertx.eventBus().consumer(address, msg -> dispatch(address, r, msg));
    r.ready = r.consumer.completion().compose(v -> r.order == null ? Future.succeededFuture()
        // the stream's position once the registration is complete: broadcasts from then on are
        // delivered; earlier ones were published before any subscriber here was acknowledged
        : broker.position(address).onSuccess(p -> {
          r.order.start(p);
          scheduleTailChecks(address, r);
        }).<Void>mapEmpty()).onSuccess(v -> {
      if (registrations.get(address) == r) {
        r.active = true;
        activeCount.incrementAndGet();
      }
    }).recover(err -> {
      if (registrations.get(address) == r) {
        registrations.remove(address);
        registrationCount.decrementAndGet();
      }
      return Future.failedFuture(err);
    });
    return r;
  }

  private void dispatch(String address, Registration r, Message<Object> msg) {
    if (msg.isSend()) {
      refusePointToPoint(address, msg);
      return;
    }
    if (r.shards.isEmpty()) {
      return;
    }
    String ts = msg.headers().get(PublishStamp.PUBLISHED_AT);
    long publishedAt = 0;
    if (ts != null) {
      try {
        publishedAt = Long.parseLong(ts);
      } catch (NumberFormatException ignored) {
        // a foreign publisher's header: no latency sample
      }
    }
    long offset = offsetOf(msg);
    if ((msg.headers().contains(ProtocolCodec.OFFSET_HEADER)
        || msg.headers().contains(ProtocolCodec.EPOCH_HEADER)) && !sealed(address, msg)) {
      return; // a position no sequencer gave, on any channel: refused and counted by the seal
    }
    Outbound out;
    try {
      boolean remote = stamp.isRemote(msg.headers());
      if (remote) {
        metrics.clusterMessageReceived();
      }
      out = new Outbound(ProtocolCodec.rec(address, msg.body(), msg.headers()), publishedAt, remote,
          address, offset, msg.headers().get(ProtocolCodec.EPOCH_HEADER));
    } catch (RuntimeException e) {
      // a backend published a body with no JSON form (for example a Buffer): nothing to send
      LOG.log(System.Logger.Level.WARNING, "dropping a message on a channel: its body cannot be encoded as JSON: " + e);
      metrics.unencodable();
      return;
    }
    if (r.order == null || offset <= 0) {
      fanOut(address, r, out); // a channel without history, or a backend's own publish
      return;
    }
    if (r.order.offer(out, msg.headers().get(ProtocolCodec.EPOCH_HEADER)) > 0) {
      history.stale();
    }
    if (r.order.overflowing()) {
      fill(address, r);
    } else if (r.order.hasGap() && r.holeTimer == -1) {
      r.holeTimer = vertx.setTimer(HOLE_WAIT_MS, t -> {
        r.holeTimer = -1;
        fill(address, r);
      });
    }
  }

  private boolean sealed(String address, Message<Object> msg) {
    String body;
    try {
      body = Json.encode(msg.body());
    } catch (RuntimeException e) {
      body = null;
    }
    return body != null && seal.verifyBroadcast(address, msg.headers(), body);
  }

  private static long offsetOf(Message<Object> msg) {
    String o = msg.headers().get(ProtocolCodec.OFFSET_HEADER);
    if (o == null) {
      return 0;
    }
    try {
      return Long.parseLong(o);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void fanOut(String address, Registration r, Outbound out) {
    for (FanoutShard shard : r.shards) {
      shard.context().runOnContext(v -> shard.deliver(address, out));
    }
  }

  /** Reads the offsets a hole is missing from history and delivers them (on the hub's context). */
  private void fill(String address, Registration r) {
    long[] gap = r.order.gap();
    if (gap == null || r.filling) {
      return;
    }
    r.filling = true;
    broker.after(address, gap[0] - 1, (int) Math.min(10_000, gap[1] - gap[0] + 1))
        .onComplete(ar -> hubContext.runOnContext(v -> {
          r.filling = false;
          if (registrations.get(address) != r) {
            return;
          }
          ChannelStream.Slice slice = ar.succeeded() ? ar.result() : null;
          StreamPosition at = r.order.delivered();
          if (ar.succeeded() && (slice == null || at == null
              || !slice.position().epoch().equals(at.epoch()))) {
            // the stream is gone or started anew while broadcasts waited behind the hole: what
            // waited means nothing now; the next broadcast (or tail check) catches up with the
            // new epoch from its start
            r.order.follow(slice == null ? null : slice.position().epoch());
            history.fillTimeout();
            return;
          }
          int n = r.order.filled(slice, gap[1]);
          history.holeFilled(n);
          if (n < gap[1] - gap[0] + 1) {
            history.fillTimeout();
          }
          if (r.order.hasGap()) {
            if (slice == null && r.holeTimer == -1) { // the read failed: try again after a pause
              r.holeTimer = vertx.setTimer(HOLE_WAIT_MS, t -> {
                r.holeTimer = -1;
                fill(address, r);
              });
            } else if (slice != null) {
              fill(address, r);
            }
          }
        }));
  }

  /**
   * Compares what this node delivered with the stream's tail as it was one check earlier, soon
   * after the registration and then periodically: a publication that was the tail a check ago
   * and has still not arrived lost its broadcast (its sequencer died with it on the way), and
   * is read from history. A tail that is merely newer than what arrived so far is left alone:
   * its broadcast is on its way.
   */
  private void scheduleTailChecks(String address, Registration r) {
    long[] delays = {HOLE_WAIT_MS, 1_000};
    for (long d : delays) {
      vertx.setTimer(d, t -> checkTail(address, r));
    }
    r.tailTimer = vertx.setPeriodic(TAIL_CHECK_MS, t -> checkTail(address, r));
  }

  private void checkTail(String address, Registration r) {
    if (registrations.get(address) != r) {
      return;
    }
    broker.position(address).onComplete(ar -> hubContext.runOnContext(v -> {
      if (registrations.get(address) != r) {
        return;
      }
      StreamPosition seen = r.lastTail;
      StreamPosition current = ar.succeeded() ? ar.result() : null;
      r.lastTail = current;
      if (seen == null || r.order.hasGap() || r.filling) {
        return;
      }
      StreamPosition now = r.order.delivered();
      boolean otherEpoch = now == null || !now.epoch().equals(seen.epoch());
      if (!otherEpoch && now.offset() >= seen.offset()) {
        return;
      }
      if (otherEpoch && (current == null || !current.epoch().equals(seen.epoch()))) {
        // the stream left the epoch of a check ago (this node may follow the new one already):
        // nothing to catch up in it; the next check compares with the current epoch
        return;
      }
      r.filling = true;
      long from = otherEpoch ? 0 : now.offset();
      broker.after(address, from, (int) Math.min(10_000, seen.offset() - from)).onComplete(read ->
          hubContext.runOnContext(x -> {
            r.filling = false;
            if (registrations.get(address) != r || read.failed() || read.result() == null
                || !java.util.Objects.equals(r.order.delivered(), now)) {
              return; // gone, failed, or broadcasts arrived meanwhile: the next check decides
            }
            if (otherEpoch) {
              if (!read.result().position().epoch().equals(seen.epoch())) {
                return; // the epoch changed again meanwhile: the next check decides
              }
              r.order.follow(seen.epoch());
            }
            history.holeFilled(r.order.filled(read.result(), seen.offset()));
          }));
    }));
  }

  /**
   * The position this node's subscribers of a history channel are at (what it delivered), once
   * its registration is complete; null for a channel without history or nothing published.
   */
  public Future<StreamPosition> delivered(String address) {
    Promise<StreamPosition> result = Promise.promise();
    hubContext.runOnContext(v -> {
      Registration r = registrations.get(address);
      if (r == null || r.order == null) {
        result.complete(null);
      } else {
        r.ready.onComplete(ar -> result.complete(r.order.delivered()));
      }
    });
    return result.future();
  }

  private void cancelTimers(Registration r) {
    if (r.holeTimer != -1) {
      vertx.cancelTimer(r.holeTimer);
    }
    if (r.tailTimer != -1) {
      vertx.cancelTimer(r.tailTimer);
    }
  }

  /**
   * A send or request reached this channel's consumer: the event bus hands a point-to-point
   * message to one consumer of the address, and a backend's consumer on the same address would
   * share its traffic with this one. Channels take publishes only: the message is never
   * delivered to subscribers, a request is failed at once (rather than left to time out), and
   * both are counted so that an address used as channel and service at once shows.
   */
  private void refusePointToPoint(String address, Message<Object> msg) {
    metrics.channelPointToPoint();
    if (!warnedPointToPoint) {
      warnedPointToPoint = true;
      LOG.log(System.Logger.Level.WARNING, "a point-to-point message (send or request) reached"
          + " the channel '" + address + "': refused, not delivered to its subscribers; counted in"
          + " gateway_channel_point_to_point_total (this warning is written once)");
    }
    if (msg.replyAddress() != null) {
      msg.fail(CHANNEL_REQUEST_FAILURE, "'" + address + "' is a channel: it takes publishes, not"
          + " sends or requests");
    }
  }
}
