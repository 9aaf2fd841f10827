package dev.gateway.connection;

import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client, whatever its transport: its channel subscriptions and its bounded outbound queue.
 * Confined to the event loop of the server verticle that accepted it; every method must be
 * called there.
 *
 * <p>Outbound policy: bytes handed to the transport and not yet flushed are counted. While that
 * count is at or above {@code outboundQueueBytes}, broadcasts to this connection are dropped (and
 * counted); if the queue stays full for {@code slowConsumerTimeoutMs} the connection is closed
 * with {@link CloseReason#SLOW_CONSUMER}. Direct replies (errors, acks, request replies) are not
 * dropped, but a queue twice over the cap closes the connection at once.
 *
 * <p>Inbound policy: a token bucket per connection ({@code err rate_limited} when empty, close
 * 4003 after persistent abuse); reading pauses while {@code maxPendingRequests} requests or
 * registrations are in progress; a silent native WebSocket is pinged and closed (4002) if the
 * pong does not come.
 */
public final class Connection {

  private static final AtomicLong IDS = new AtomicLong();
  private static final long STRIKE_WINDOW_NANOS = 10_000_000_000L;

  private final long id = IDS.incrementAndGet();
  private final ClientTransport transport;
  private final FanoutShard shard;
  private final Vertx vertx;
  private final Context context;
  private final int queueCap;
  private final long slowTimeoutMs;
  private final int maxPending;
  private final int maxDrops;
  private int drops;
  private final RateLimiter rateLimiter;
  private final ConnectionSlots slots;
  private final Set<String> channels = new HashSet<>();
  private int queuedBytes;
  private long stallTimer = -1;
  private boolean closed;
  private long lastSeen = System.nanoTime();
  private long pingSent;
  private int pending;
  private boolean paused;
  private boolean cannotPause;
  private Grant grant;
  private String tokenSeen;
  private long expiryTimer = -1;

  /**
   * Creates a connection that owns one of {@code slots}: the one the handshake gate reserved
   * ({@code slotReserved}), or a fresh one.
   */
  public Connection(ClientTransport transport, FanoutShard shard, GatewayConfig.Limits limits,
                    ConnectionSlots slots, boolean slotReserved) {
    this.transport = transport;
    this.slots = slots;
    if (!slotReserved) {
      slots.forceReserve();
    }
    this.shard = shard;
    this.vertx = shard.vertx();
    this.context = vertx.getOrCreateContext();
    this.queueCap = limits.outboundQueueBytes();
    this.slowTimeoutMs = limits.slowConsumerTimeoutMs();
    this.maxPending = limits.maxPendingRequests();
    this.maxDrops = limits.slowConsumerMaxDrops();
    this.rateLimiter = new RateLimiter(limits.messagesPerSecond(), limits.messageBurst(),
        limits.rateLimitStrikes(), STRIKE_WINDOW_NANOS, lastSeen);
    shard.opened(this);
  }

  /**
   * Records inbound traffic (any frame, pong included) and rates a client message.
   * Returns what to do with the message.
   */
  RateLimiter.Verdict inbound() {
    touch();
    return rateLimiter.onMessage(lastSeen);
  }

  /** Records inbound traffic that is not a client message (a pong). */
  public void touch() {
    lastSeen = System.nanoTime();
    pingSent = 0;
  }

  /**
   * Liveness check, called periodically by the shard: pings a connection silent for
   * {@code pingIntervalNanos}, closes one that stayed silent {@code pongTimeoutNanos} after it.
   */
  public void checkLiveness(long now, long pingIntervalNanos, long pongTimeoutNanos) {
    if (closed) {
      return;
    }
    if (pingSent != 0) {
      if (now - pingSent > pongTimeoutNanos) {
        close(CloseReason.HEARTBEAT_TIMEOUT);
      }
    } else if (now - lastSeen > pingIntervalNanos && transport.ping()) {
      pingSent = now;
    }
  }

  /** The last token presented in a message (so an unchanged token is verified once). */
  String tokenSeen() {
    return tokenSeen;
  }

  void tokenSeen(String token) {
    this.tokenSeen = token;
  }

  /** Records a token verified at the handshake and its grant. */
  public void authenticated(String token, Grant g) {
    this.tokenSeen = token;
    grant(g);
  }

  /** The verified token's grant, or null for an anonymous connection. */
  public Grant grant() {
    return grant;
  }

  /**
   * Sets (or replaces, on token refresh) the connection's grant and closes the connection with
   * {@link CloseReason#TOKEN_EXPIRED} when the token expires.
   */
  public void grant(Grant newGrant) {
    this.grant = newGrant;
    if (expiryTimer != -1) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
    if (newGrant != null && newGrant.expiresAtMillis() > 0) {
      long delay = Math.max(1, newGrant.expiresAtMillis() - System.currentTimeMillis());
      expiryTimer = vertx.setTimer(delay, t -> {
        expiryTimer = -1;
        close(CloseReason.TOKEN_EXPIRED);
      });
    }
  }

  /**
   * Whether another request may start: always on a transport that stops being read at the cap
   * (the client is not read meanwhile), otherwise only below the cap.
   */
  public boolean mayStartRequest() {
    return pending < maxPending || paused;
  }

  /** A request or registration started: stops reading from the client at the cap. */
  public void requestStarted() {
    if (++pending >= maxPending && !paused && !cannotPause) {
      paused = transport.pause();
      cannotPause = !paused;
      if (paused) {
        shard.readPaused(transport.name());
      }
    }
  }

  /** A request or registration finished: reads again once half of the cap is left. */
  public void requestFinished() {
    pending--;
    if (paused && pending <= maxPending / 2) {
      paused = false;
      if (!closed) {
        transport.resume();
      }
    }
  }

  public long id() {
    return id;
  }

  public String transportName() {
    return transport.name();
  }

  public FanoutShard shard() {
    return shard;
  }

  public Context context() {
    return context;
  }

  /** The channels this connection is registered to (owned by the protocol handler). */
  public Set<String> channels() {
    return channels;
  }

  public boolean isClosed() {
    return closed;
  }

  public int queuedBytes() {
    return queuedBytes;
  }

  /**
   * Offers a broadcast. Returns false when it was dropped because the outbound queue is full
   * (or the connection is closed); the caller counts drops once per fan-out.
   */
  public boolean deliver(Outbound message) {
    if (closed) {
      return false;
    }
    if (queuedBytes >= queueCap) {
      startStallTimer();
      if (++drops > maxDrops) {
        close(CloseReason.SLOW_CONSUMER);
      }
      return false;
    }
    drops = 0;
    write(message);
    return true;
  }

  /** Writes a direct reply; closes the connection if its queue is twice over the cap. */
  public void reply(Outbound message) {
    if (closed) {
      return;
    }
    if (queuedBytes >= 2L * queueCap) {
      close(CloseReason.SLOW_CONSUMER);
      return;
    }
    write(message);
    shard.countSent(transport.name(), 1, message.size());
  }

  private void write(Outbound message) {
    int size = message.size();
    queuedBytes += size;
    shard.queued(size);
    transport.write(message).onComplete(ar -> {
      queuedBytes -= size;
      shard.queued(-size);
      if (queuedBytes < queueCap && stallTimer != -1) {
        vertx.cancelTimer(stallTimer);
        stallTimer = -1;
      }
    });
  }

  private void startStallTimer() {
    if (stallTimer == -1) {
      stallTimer = vertx.setTimer(slowTimeoutMs, t -> {
        stallTimer = -1;
        if (queuedBytes >= queueCap) {
          close(CloseReason.SLOW_CONSUMER);
        }
      });
    }
  }

  /** Closes the connection from the server side with the given reason. */
  public void close(CloseReason reason) {
    if (closed) {
      return;
    }
    transport.close(reason);
    ended(reason);
  }

  /**
   * The transport reports the connection ended (client close, network failure). Idempotent:
   * the first reason, from either side, is the one counted.
   */
  public void ended(CloseReason reason) {
    if (closed) {
      return;
    }
    closed = true;
    if (stallTimer != -1) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (expiryTimer != -1) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
    for (String channel : channels) {
      shard.unsubscribe(this, channel);
    }
    channels.clear();
    slots.release();
    shard.closed(this, reason);
  }

  @Override
  public String toString() {
    return "Connection[" + id + "," + transport.name() + "]";
  }
}
