package dev.gateway.transport.gate;

import dev.gateway.auth.ClientAddress;
import dev.gateway.config.AddressRange;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.net.InetAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What a TCP connection may hold before it has sent a complete HTTP request head: a deadline
 * ({@code server.headerTimeoutMs}; Vert.x 5.0 has idle timeouts only, so a client sending a
 * request line a byte every few seconds would otherwise stay forever), and a place among its
 * address's handshakes in flight ({@code limits.maxHandshakesPerAddress}): an address over it has
 * new connections closed at once. Connections from trusted proxies are not counted per address
 * (their clients are only known from the request head; proxies send whole heads). One instance
 * per server verticle, confined to its event loop.
 */
public final class HttpGuard {

  private final Vertx vertx;
  private final ConnectionSlots slots;
  private final HandshakeGate gate;
  private final GatewayMetrics metrics;
  private final long headerTimeoutMs;
  /** Connections that have not sent a request head yet, with what they hold. */
  private final Map<HttpConnection, Pending> pending = new IdentityHashMap<>();

  private record Pending(long timer, Runnable release) {
  }

  public HttpGuard(Vertx vertx, ConnectionSlots slots, HandshakeGate gate, GatewayMetrics metrics,
            long headerTimeoutMs) {
    this.vertx = vertx;
    this.slots = slots;
    this.gate = gate;
    this.metrics = metrics;
    this.headerTimeoutMs = headerTimeoutMs;
  }

  /** A new TCP connection (the server's connection handler). */
  public void connected(HttpConnection conn) {
    InetAddress peer = conn.remoteAddress() == null ? null
        : AddressRange.literal(conn.remoteAddress().hostAddress());
    Runnable release = () -> { };
    if (!gate.trustedPeer(peer)) {
      release = slots.tryAcquirePendingHead(ClientAddress.group(peer));
      if (release == null) {
        metrics.handshakeRejected("address_limit");
        conn.close();
        return;
      }
    }
    long timer = vertx.setTimer(headerTimeoutMs, t -> {
      Pending p = pending.remove(conn);
      if (p != null) {
        p.release().run();
        metrics.handshakeRejected("header_timeout");
        conn.close();
      }
    });
    pending.put(conn, new Pending(timer, release));
    conn.closeHandler(v -> headArrived(conn));
  }

  /** A request head arrived on the connection (or it closed): it holds nothing more here. */
  public void headArrived(HttpConnection conn) {
    Pending p = pending.remove(conn);
    if (p != null) {
      vertx.cancelTimer(p.timer());
      p.release().run();
    }
  }

  /** Connections still waiting for their first request head (for tests and metrics). */
  public int pendingCount() {
    return pending.size();
  }
}
