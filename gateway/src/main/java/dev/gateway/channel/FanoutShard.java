package dev.gateway.channel;

import dev.gateway.connection.Connection;
import dev.gateway.connection.Outbound;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connections of one event loop and their channel subscriptions. Confined to that loop.
 * It holds one reference on the node-level {@link ChannelHub} registration per channel, whatever
 * the number of local subscribers, and writes each broadcast to its local subscribers with the
 * bytes encoded once by the hub.
 */
public final class FanoutShard {

  private final Vertx vertx;
  private final Context context;
  private final ChannelHub hub;
  private final GatewayMetrics metrics;
  private final Set<Connection> connections = new LinkedHashSet<>();
  private final Map<String, Channel> channels = new HashMap<>();
  private volatile long queuedBytes;
  private final Tally tally = new Tally();

  /**
   * Local subscribers of one channel; {@code ready} completes when the hub registered it. A
   * broadcast iterates an array snapshot of the subscribers, rebuilt only after the set changed.
   */
  private static final class Channel {
    private static final Connection[] NONE = new Connection[0];
    final Set<Connection> subscribers = new LinkedHashSet<>();
    private Connection[] snapshot = NONE;
    private boolean changed;
    Future<Void> ready;

    void add(Connection c) {
      changed |= subscribers.add(c);
    }

    boolean remove(Connection c) {
      boolean removed = subscribers.remove(c);
      changed |= removed;
      return removed;
    }

    Connection[] snapshot() {
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

  public FanoutShard(Vertx vertx, ChannelHub hub, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.hub = hub;
    this.metrics = metrics;
    metrics.addQueuedBytesSource(() -> queuedBytes);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The event loop this shard is confined to. */
  public Context context() {
    return context;
  }

  /**
   * Adds a local subscriber. The future completes, on this loop, once the node-level event-bus
   * registration for the channel is complete, so a client told it is subscribed misses nothing.
   */
  public Future<Void> subscribe(Connection c, String address) {
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
  public void unsubscribe(Connection c, String address) {
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
    for (Connection c : ch.snapshot()) {
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

  public void readPaused(String transport) {
    metrics.readPaused(transport);
  }

  public void countSent(String transport, int n, long bytes) {
    metrics.messagesSent(transport, n, bytes);
  }

  public void opened(Connection c) {
    connections.add(c);
    metrics.connectionOpened(c.transportName());
  }

  public void closed(Connection c, CloseReason reason) {
    if (connections.remove(c)) {
      metrics.connectionClosed(c.transportName(), reason);
    }
  }

  /** Adds to (or, negative, removes from) the bytes queued on this loop's connections. */
  public void queued(long delta) {
    queuedBytes += delta;
  }

  public long queuedBytes() {
    return queuedBytes;
  }

  /** Number of channels with at least one subscriber on this loop. */
  public int channelCount() {
    return channels.size();
  }

  public int connectionCount() {
    return connections.size();
  }

  /** Liveness pass over this loop's connections (pings silent ones, closes dead ones). */
  public void checkLiveness(long pingIntervalNanos, long pongTimeoutNanos) {
    long now = System.nanoTime();
    for (Connection c : new ArrayList<>(connections)) {
      c.checkLiveness(now, pingIntervalNanos, pongTimeoutNanos);
    }
  }

  /** Closes this loop's connections authenticated with the given token id. */
  public void closeRevoked(String tokenId) {
    for (Connection c : new ArrayList<>(connections)) {
      if (c.grant() != null && tokenId.equals(c.grant().tokenId())) {
        c.close(CloseReason.TOKEN_REVOKED);
      }
    }
  }

  /** Closes up to {@code count} of this loop's connections (a paced drain's batch). */
  public void closeSome(int count, CloseReason reason) {
    int n = 0;
    for (Connection c : new ArrayList<>(connections)) {
      if (n++ >= count) {
        return;
      }
      c.close(reason);
    }
  }

  /** Closes every connection of this loop with the given reason (shutdown). */
  public void closeAll(CloseReason reason) {
    List<Connection> all = new ArrayList<>(connections);
    for (Connection c : all) {
      c.close(reason);
    }
  }
}
