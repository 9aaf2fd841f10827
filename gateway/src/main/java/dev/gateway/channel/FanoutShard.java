package dev.gateway.channel;

import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The channel subscriptions of one event loop. It holds one reference on the node-level
 * {@link ChannelHub} registration per channel, whatever the number of local subscribers, and
 * offers each broadcast to its local subscribers with the bytes encoded once by the hub.
 *
 * <p>Guarantees: a subscriber's {@link #subscribe} future completes only once the channel's
 * node-level registration is complete, so nothing published afterwards is missed; broadcasts
 * reach the subscribers of a channel in the order the hub hands them over; a subscriber removed
 * during a fan-out (a slow-consumer close) is skipped for the rest of it only if it says so
 * itself ({@link Subscriber#deliver} answers false once closed). Metrics are touched once per
 * fan-out, per transport. Threading: confined to the event loop of the context it was created
 * on; every method must be called there.
 */
public final class FanoutShard {

  private final Context context;
  private final ChannelHub hub;
  private final GatewayMetrics metrics;
  private final Map<String, Channel> channels = new HashMap<>();
  private final Tally tally = new Tally();

  /**
   * Local subscribers of one channel; {@code ready} completes when the hub registered it. A
   * broadcast iterates an array snapshot of the subscribers, rebuilt only after the set changed.
   */
  private static final class Channel {
    private static final Subscriber[] NONE = new Subscriber[0];
    final Set<Subscriber> subscribers = new LinkedHashSet<>();
    private Subscriber[] snapshot = NONE;
    private boolean changed;
    Future<Void> ready;

    void add(Subscriber c) {
      changed |= subscribers.add(c);
    }

    boolean remove(Subscriber c) {
      boolean removed = subscribers.remove(c);
      changed |= removed;
      return removed;
    }

    Subscriber[] snapshot() {
      if (changed) {
        snapshot = subscribers.toArray(NONE);
        changed = false;
      }
      return snapshot;
    }
  }

  /**
   * Per-transport tallies of one fan-out, reused by every broadcast of this loop (a loop serves a
   * handful of transports: a linear scan by identity of the transport's constant name).
   */
  private static final class Tally {
    final String[] names = new String[8];
    final int[] sent = new int[8];
    final int[] dropped = new int[8];
    int size;

    int slot(String name) {
      for (int i = 0; i < size; i++) {
        if (names[i] == name) {
          return i;
        }
      }
      for (int i = 0; i < size; i++) {
        if (names[i].equals(name)) {
          return i;
        }
      }
      if (size == names.length) {
        return -1; // more transports than slots: counted one by one
      }
      names[size] = name;
      return size++;
    }
  }

  /** A shard confined to the given event-loop context. */
  public FanoutShard(Context context, ChannelHub hub, GatewayMetrics metrics) {
    this.context = context;
    this.hub = hub;
    this.metrics = metrics;
  }

  /** The event loop this shard is confined to. */
  public Context context() {
    return context;
  }

  /**
   * Adds a local subscriber. The future completes, on this loop, once the node-level event-bus
   * registration for the channel is complete, so a client told it is subscribed misses nothing.
   */
  public Future<Void> subscribe(Subscriber c, String address) {
    Channel ch = channels.get(address);
    if (ch == null) {
      ch = new Channel();
      channels.put(address, ch);
      Channel created = ch;
      Promise<Void> ready = Promise.promise();
      ch.ready = ready.future();
      hub.acquire(address, this).onComplete(ar -> context.runOnContext(v -> {
        if (ar.failed() && channels.get(address) == created) {
          channels.remove(address);
          hub.release(address, this);
        }
        ready.handle(ar);
      }));
    }
    ch.add(c);
    return ch.ready;
  }

  /** Completes when the channel's registration on this loop is complete (at once if unknown). */
  public Future<Void> ready(String address) {
    Channel ch = channels.get(address);
    return ch == null ? Future.succeededFuture() : ch.ready;
  }

  /** True while {@code ready} is still the registration of the address on this loop. */
  public boolean isCurrent(String address, Future<Void> ready) {
    Channel ch = channels.get(address);
    return ch != null && ch.ready == ready;
  }

  /** Removes a local subscriber; the last one releases the node-level registration. */
  public void unsubscribe(Subscriber c, String address) {
    Channel ch = channels.get(address);
    if (ch == null || !ch.remove(c)) {
      return;
    }
    if (ch.subscribers.isEmpty()) {
      channels.remove(address);
      hub.release(address, this);
    }
  }

  /** Called by the hub on this loop: writes one broadcast to every local subscriber. */
  void deliver(String address, Outbound message) {
    Channel ch = channels.get(address);
    if (ch == null || ch.subscribers.isEmpty()) {
      return;
    }
    // counts per transport, aggregated so metrics are touched once per fan-out
    Tally t = tally;
    int size = message.size();
    String lastName = null;
    int last = -1;
    for (Subscriber c : ch.snapshot()) {
      String name = c.transportName();
      if (name != lastName) {
        lastName = name;
        last = t.slot(name);
      }
      boolean written = c.deliver(message);
      if (last >= 0) {
        if (written) {
          t.sent[last]++;
        } else {
          t.dropped[last]++;
        }
      } else if (written) {
        metrics.messagesSent(name, 1, size);
      } else {
        metrics.messagesDropped(name, 1);
      }
    }
    for (int i = 0; i < t.size; i++) {
      if (t.sent[i] > 0) {
        metrics.messagesSent(t.names[i], t.sent[i], (long) t.sent[i] * size);
        t.sent[i] = 0;
      }
      if (t.dropped[i] > 0) {
        metrics.messagesDropped(t.names[i], t.dropped[i]);
        t.dropped[i] = 0;
      }
    }
    if (message.publishedAtMicros() > 0) {
      metrics.recordDelivery(message.publishedAtMicros(), message.remote());
    }
  }

  /** Number of channels with at least one subscriber on this loop. */
  public int channelCount() {
    return channels.size();
  }
}
