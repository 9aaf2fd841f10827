package dev.gateway.channel;

import dev.gateway.protocol.Outbound;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
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
 * {@link #CHANNEL_REQUEST_FAILURE}. All state is confined to this verticle's
 * context; other threads call in through {@link #acquire} and {@link #release}.
 */
public final class ChannelHub extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(ChannelHub.class.getName());

  /** Failure code of a request sent to a channel address. */
  public static final int CHANNEL_REQUEST_FAILURE = 405;

  private final GatewayMetrics metrics;
  private final PublishStamp stamp;
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
  }

  public ChannelHub(GatewayMetrics metrics, PublishStamp stamp) {
    this.metrics = metrics;
    this.stamp = stamp;
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
        r.consumer.unregister();
      }
    });
  }

  private Registration register(String address) {
    Registration r = new Registration();
    registrations.put(address, r);
    registrationCount.incrementAndGet();
    r.consumer = vertx.eventBus().consumer(address, msg -> dispatch(address, r, msg));
    r.ready = r.consumer.completion().onSuccess(v -> {
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
    Outbound out;
    try {
      boolean remote = stamp.isRemote(msg.headers());
      if (remote) {
        metrics.clusterMessageReceived();
      }
      out = new Outbound(ProtocolCodec.rec(address, msg.body(), msg.headers()), publishedAt, remote);
    } catch (RuntimeException e) {
      // a backend published a body with no JSON form (for example a Buffer): nothing to send
      LOG.log(System.Logger.Level.WARNING, "dropping a message on a channel: its body cannot be encoded as JSON: " + e);
      metrics.unencodable();
      return;
    }
    for (FanoutShard shard : r.shards) {
      shard.context().runOnContext(v -> shard.deliver(address, out));
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
