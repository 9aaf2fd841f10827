package dev.gateway.connection;

import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The open connections of one event loop: what the node does to all of them (liveness checks,
 * token revocation, the paced drain, shutdown) and their per-loop tallies (bytes queued to
 * clients, connection counts by transport). Confined to the loop of its context; other threads
 * reach it through {@link #context()}.
 *
 * <p>The bytes queued on the loop's connections are summed by {@link #tick} (every second or
 * faster) and published for the node's gauge, so the hot path of a write touches nothing shared.
 *
 * <p>Its open connections are also indexed by user (the token's {@code sub}): a connection joins
 * the index when it gets a user and leaves it when it stops being open, whichever way it ends
 * (closed by the gateway, by the client, or its transport failing), in the same step that takes
 * it out of the open connections. The index holds only open connections, so it is bounded by
 * them.
 */
public final class LoopConnections {

  private final Context context;
  private final GatewayMetrics metrics;
  private final Set<Connection> connections = new LinkedHashSet<>();
  /** Closed by the gateway, waiting for the client to read its close (or the close timeout). */
  private final Set<Connection> closing = new LinkedHashSet<>();
  /** Open connections by user; each list holds at least one connection. */
  private final Map<String, List<Connection>> byUser = new HashMap<>();
  private volatile long queuedBytes;
  private volatile int count;

  public LoopConnections(Context context, GatewayMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
    metrics.addQueuedBytesSource(() -> queuedBytes);
  }

  /** The event loop these connections live on. */
  public Context context() {
    return context;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  void opened(Connection c) {
    connections.add(c);
    count = connections.size();
    metrics.connectionOpened(c.transportName());
  }

  /** The connection was closed (by either side): it no longer counts as open. */
  void closed(Connection c, CloseReason reason) {
    if (connections.remove(c)) {
      count = connections.size();
      closing.add(c);
      forget(c);
      metrics.connectionClosed(c.transportName(), reason);
    }
  }

  /** An open connection got its user (once: a connection's user never changes). */
  void userKnown(Connection c) {
    if (connections.contains(c)) {
      byUser.computeIfAbsent(c.user(), u -> new ArrayList<>(2)).add(c);
    }
  }

  private void forget(Connection c) {
    String user = c.user();
    List<Connection> of = user == null ? null : byUser.get(user);
    if (of != null && of.remove(c) && of.isEmpty()) {
      byUser.remove(user);
    }
  }

  /** The open connections of a user on this loop (a copy; empty when none). Call on the loop. */
  public List<Connection> ofUser(String user) {
    List<Connection> of = byUser.get(user);
    return of == null ? List.of() : new ArrayList<>(of);
  }

  /** The connection's transport is gone. */
  void ended(Connection c) {
    closing.remove(c);
  }

  /** Connections the gateway closed whose transport is not gone yet. */
  public int closingCount() {
    return closing.size();
  }

  /** Open connections on this loop (readable from any thread). */
  public int connectionCount() {
    return count;
  }

  /** Bytes queued to this loop's clients at the last tick (readable from any thread). */
  public long queuedBytes() {
    return queuedBytes;
  }

  /**
   * The periodic pass over this loop's connections: liveness (pings silent ones, closes dead
   * ones), sockets that stay unwritable, and the queued-bytes sum.
   */
  public void tick(long pingIntervalNanos, long pongTimeoutNanos) {
    long now = System.nanoTime();
    for (Connection c : new ArrayList<>(connections)) {
      c.tick(now, pingIntervalNanos, pongTimeoutNanos);
    }
    for (Connection c : new ArrayList<>(closing)) {
      c.tick(now, pingIntervalNanos, pongTimeoutNanos);
    }
    long queued = 0;
    for (Connection c : connections) {
      queued += c.queuedBytes();
    }
    for (Connection c : closing) {
      queued += c.queuedBytes();
    }
    queuedBytes = queued;
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
