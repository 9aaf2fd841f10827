package dev.gateway.connection;

import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.channel.Subscriber;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.config.GatewayConfig;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client, whatever its transport: its channel subscriptions, its bounded outbound queue and
 * its lifecycle. Confined to the event loop of the server verticle that accepted it; every
 * method must be called there.
 *
 * <p>Lifecycle: OPEN, then CLOSING once the gateway closed it (the close is queued behind what
 * the client has not read yet; nothing more is written), then ENDED when the transport reports
 * the connection gone. A closing client that reads nothing for {@code limits.closeTimeoutMs} has
 * its transport cut. The connection slot ({@link ConnectionSlots.Lease}) is released exactly once,
 * when the connection ends, whichever side ended it.
 *
 * <p>Outbound policy: bytes handed to the transport and not yet flushed are counted. While that
 * count is at or above {@code outboundQueueBytes}, broadcasts to this connection are dropped (and
 * counted); if the queue stays full, or the socket unwritable, for {@code slowConsumerTimeoutMs}
 * the connection is closed with {@link CloseReason#SLOW_CONSUMER}. Direct replies (errors, acks,
 * request replies) are not dropped, but a queue twice over the cap closes the connection at once.
 * Control frames the gateway answers (pongs) are counted in the same queue and dropped at the cap.
 *
 * <p>Inbound policy: token buckets per connection for messages and control frames and for the
 * bytes of messages ({@code err rate_limited} when either is empty, close 4003 after persistent
 * abuse); reading pauses while
 * {@code maxPendingRequests} requests or registrations are in progress; a silent native WebSocket
 * is pinged and closed (4002) if the pong does not come; with authentication required, a
 * connection without a valid token after {@code auth.deadlineMs} is closed (1008).
 */
public final class Connection implements Subscriber {

  private static final AtomicLong IDS = new AtomicLong();
  private static final long STRIKE_WINDOW_NANOS = 10_000_000_000L;

  private enum State { OPEN, CLOSING, ENDED }

  private final long id = IDS.incrementAndGet();
  private final String clientId = ClientIds.next();
  private final ClientTransport transport;
  private final String transportName;
  private final LoopConnections loop;
  private final FanoutShard shard;
  private final Vertx vertx;
  private final Context context;
  private final int queueCap;
  private final long slowTimeoutNanos;
  private final long closeTimeoutNanos;
  private final int maxPending;
  private final int maxDrops;
  private final RateLimiter rateLimiter;
  private final ConnectionSlots.Lease lease;
  private final Set<String> channels = new HashSet<>();
  /** Channels subscribed server-side (API, token claim): a token refresh does not drop them. */
  private Set<String> serverChannels;
  /** Positions given at connect for server-side subscriptions; each is used once. */
  private java.util.Map<String, StreamPosition> connectPositions;
  private State state = State.OPEN;
  private int drops;
  private int queuedBytes;
  private long stallTimer = -1;
  private long lastSeen = System.nanoTime();
  private long lastProgress;
  private long unwritableSince;
  private long pingSent;
  private int pending;
  private boolean paused;
  private boolean cannotPause;
  private Grant grant;
  private String tokenSeen;
  private long expiryTimer = -1;
  private long authTimer = -1;
  /** Told of every channel the connection leaves when it ends (presence). */
  private java.util.function.BiConsumer<Connection, String> channelLeft;
  /** History channels being recovered: their live broadcasts wait, then are filtered. */
  private java.util.Map<String, Recovery> recovering;
  private boolean writingRecovery;
  /** Bytes waiting behind recoveries, all channels: at most {@link #maxWaiting()}. */
  private long waitingBytes;

  /**
   * A channel's recovery: broadcasts held until the replay is written, then those of the
   * replay's epoch at or below the cutoff dropped (offsets of another epoch are other
   * publications). The replay and what waited are written at the pace the client reads
   * ({@link #writeRecovery}), never dropped at the queue's cap as broadcasts are.
   */
  private static final class Recovery {
    final java.util.List<Outbound> held = new java.util.ArrayList<>();
    /** Bytes waiting in this recovery (held, or still to write), part of waitingBytes. */
    long bytes;
    boolean holding = true;
    long cutoff = -1;
    String epoch;
    /** What is still to be written once the recovery ended: the replay, then what waited. */
    java.util.ArrayDeque<Outbound> toWrite;

    /** Already written: a broadcast of the replay's epoch at or below its last offset. */
    boolean replayed(Outbound o) {
      return o.offset() > 0 && o.offset() <= cutoff && java.util.Objects.equals(o.epoch(), epoch);
    }

    /**
     * What of the held broadcasts the client still needs once it is at ({@code epoch},
     * {@code cutoff}): they are in the node's delivery order, so everything before the last one
     * the client is past (of its epoch at or below its offset) came before that position too,
     * whatever its epoch (an older epoch's, delivered before the stream started anew).
     */
    java.util.List<Outbound> unseen() {
      int stale = 0;
      for (int i = 0; i < held.size(); i++) {
        if (replayed(held.get(i))) {
          stale = i + 1;
        }
      }
      java.util.List<Outbound> out = new java.util.ArrayList<>(held.size() - stale);
      for (int i = stale; i < held.size(); i++) {
        if (!replayed(held.get(i))) {
          out.add(held.get(i));
        }
      }
      return out;
    }
  }

  /**
   * Opens a connection on the given loop. It takes over the handshake's lease (the handshake is
   * done) and releases it when it ends.
   */
  public Connection(ClientTransport transport, LoopConnections loop, FanoutShard shard,
                    GatewayConfig.Limits limits, ConnectionSlots.Lease lease) {
    this.transport = transport;
    this.transportName = transport.name();
    this.loop = loop;
    this.shard = shard;
    this.context = loop.context();
    this.vertx = context.owner();
    this.lease = lease;
    lease.handshakeDone();
    this.queueCap = limits.outboundQueueBytes();
    this.slowTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.slowConsumerTimeoutMs());
    this.closeTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.closeTimeoutMs());
    this.maxPending = limits.maxPendingRequests();
    this.maxDrops = limits.slowConsumerMaxDrops();
    this.rateLimiter = new RateLimiter(limits.messagesPerSecond(), limits.messageBurst(),
        limits.bytesPerSecond(), limits.byteBurst(), limits.rateLimitStrikes(),
        STRIKE_WINDOW_NANOS, lastSeen);
    loop.opened(this);
  }

  /**
   * Closes the connection with {@link CloseReason#UNAUTHORIZED} unless it has a grant within
   * {@code deadlineMs} (authentication required, token expected in a message).
   */
  public void requireAuthenticationWithin(long deadlineMs) {
    if (grant == null && state == State.OPEN) {
      authTimer = vertx.setTimer(Math.max(1, deadlineMs), t -> {
        authTimer = -1;
        if (grant == null) {
          close(CloseReason.UNAUTHORIZED);
        }
      });
    }
  }

  /**
   * Records inbound traffic (any frame, pong included) and rates a client message of
   * {@code bytes} bytes against the message and byte rates. Returns what to do with it.
   */
  RateLimiter.Verdict inbound(int bytes) {
    touch();
    return rateLimiter.onMessage(lastSeen, bytes);
  }

  /**
   * A control frame from the client (ping, pong, close): rated like a message. Returns false
   * when the connection has been closed for persistent abuse, or is closing.
   */
  public boolean controlFrame() {
    if (state != State.OPEN) {
      return false;
    }
    RateLimiter.Verdict verdict = inbound(0);
    if (verdict == RateLimiter.Verdict.CLOSE) {
      close(CloseReason.RATE_LIMITED);
      return false;
    }
    return verdict == RateLimiter.Verdict.ACCEPT;
  }

  /**
   * The transport wants to write a control frame of {@code size} bytes (a pong): counted in the
   * outbound queue. Returns false, and nothing is counted, when the queue is at the cap or the
   * connection closing; otherwise call {@link #controlWritten(int)} once it was flushed.
   */
  public boolean queueControl(int size) {
    if (state != State.OPEN || queuedBytes + size > queueCap) {
      return false;
    }
    queuedBytes += size;
    return true;
  }

  /** A control frame counted by {@link #queueControl} left the queue. */
  public void controlWritten(int size) {
    dequeued(size);
  }

  /** Records inbound traffic that is not a client message (a pong). */
  public void touch() {
    lastSeen = System.nanoTime();
    pingSent = 0;
  }

  /**
   * The periodic check, from the loop's {@link LoopConnections#tick}: pings a connection silent
   * for {@code pingIntervalNanos} and closes one that stayed silent {@code pongTimeoutNanos}
   * after it; closes one whose socket stayed unwritable past the slow-consumer timeout; cuts a
   * closing one whose client read nothing for the close timeout.
   */
  void tick(long now, long pingIntervalNanos, long pongTimeoutNanos) {
    if (state == State.CLOSING) {
      if (now - lastProgress > closeTimeoutNanos) {
        transport.terminate();
      }
      return;
    }
    if (state != State.OPEN) {
      return;
    }
    if (transport.writable()) {
      unwritableSince = 0;
    } else if (unwritableSince == 0) {
      unwritableSince = now;
    } else if (now - unwritableSince > slowTimeoutNanos) {
      close(CloseReason.SLOW_CONSUMER);
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
    boolean hadUser = user() != null;
    this.grant = newGrant;
    if (!hadUser && user() != null && state == State.OPEN) {
      loop.userKnown(this); // a user never changes on a connection (a refresh of another closes it)
    }
    cancel(expiryTimer);
    expiryTimer = -1;
    if (newGrant != null) {
      cancel(authTimer);
      authTimer = -1;
    }
    if (newGrant != null && newGrant.expiresAtMillis() > 0 && state == State.OPEN) {
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
        loop.metrics().readPaused(transportName);
      }
    }
  }

  /** A request or registration finished: reads again once half of the cap is left. */
  public void requestFinished() {
    pending--;
    if (paused && pending <= maxPending / 2) {
      paused = false;
      if (state == State.OPEN) {
        transport.resume();
      }
    }
  }

  public long id() {
    return id;
  }

  /**
   * The client id others see (in presence): random and unguessable, unrelated to the transport's
   * own ids (a SockJS session id is a credential for its session and never shown).
   */
  public String clientId() {
    return clientId;
  }

  /** The user id (the token's {@code sub}), or null for an anonymous connection. */
  public String user() {
    return grant == null ? null : grant.subject();
  }

  @Override
  public String transportName() {
    return transportName;
  }

  public FanoutShard shard() {
    return shard;
  }

  public Context context() {
    return context;
  }

  /**
   * Sets the one listener told of each channel the connection is still registered to when it
   * closes or ends (presence: the connection leaves them all at once). Leaving a channel any
   * other way (unregister) is told by whoever removes it.
   */
  public void onChannelLeft(java.util.function.BiConsumer<Connection, String> listener) {
    this.channelLeft = listener;
  }

  /** The channels this connection is registered to (owned by the protocol handler). */
  public Set<String> channels() {
    return channels;
  }

  /** Marks a channel of {@link #channels()} as subscribed server-side, or unmarks it. */
  void serverSide(String channel, boolean server) {
    if (server) {
      if (serverChannels == null) {
        serverChannels = new HashSet<>(4);
      }
      serverChannels.add(channel);
    } else if (serverChannels != null) {
      serverChannels.remove(channel);
    }
  }

  /**
   * The positions the client gave when it connected ({@link ConnectPositions}): a server-side
   * subscription to one of these channels recovers from there. Set once; later calls are ignored.
   */
  void connectPositions(java.util.Map<String, StreamPosition> positions) {
    if (connectPositions == null) {
      connectPositions = new java.util.HashMap<>(positions);
    }
  }

  /** Whether the connection has been given its connect positions (they are read once). */
  boolean hasConnectPositions() {
    return connectPositions != null;
  }

  /** The connect position of a channel, taken: a second subscription starts where it is. */
  StreamPosition takeConnectPosition(String channel) {
    return connectPositions == null ? null : connectPositions.remove(channel);
  }

  /** Whether the transport can carry one more channel ({@link ClientTransport#mayAddChannel}). */
  boolean mayAddChannel(String address) {
    return transport.mayAddChannel(channels, address);
  }

  /** Whether the channel was subscribed server-side (a token's grant does not decide it). */
  boolean isServerSide(String channel) {
    return serverChannels != null && serverChannels.contains(channel);
  }

  /** True once the gateway or the client closed it: nothing more is written or handled. */
  public boolean isClosed() {
    return state != State.OPEN;
  }

  public int queuedBytes() {
    return queuedBytes;
  }

  /**
   * Offers a broadcast. Returns false when it was dropped because the outbound queue is full
   * (or the connection is closed); the caller counts drops once per fan-out.
   */
  @Override
  public boolean deliver(Outbound message) {
    if (state != State.OPEN) {
      return false;
    }
    if (recovering != null && message.channel() != null) {
      Recovery r = recovering.get(message.channel());
      if (r != null) {
        if (!r.holding && r.replayed(message)) {
          return true; // already replayed from history
        }
        if (r.holding || r.toWrite != null) {
          if (waitingBytes + message.size() > maxWaiting()) {
            return false; // counted as a drop: the offsets show the client what it missed
          }
          if (r.holding) {
            r.held.add(message);
          } else {
            r.toWrite.add(message);
          }
          r.bytes += message.size();
          waitingBytes += message.size();
          return true;
        }
        forget(message.channel());
      }
    }
    return deliverNow(message);
  }

  /** The outbound policy for one broadcast (past any recovery). */
  private boolean deliverNow(Outbound message) {
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

  /**
   * Starts a recovery of a history channel: its live broadcasts wait from now on, until
   * {@link #recovered}. Call before subscribing, so nothing published meanwhile is missed.
   */
  public void holdForRecovery(String channel) {
    if (recovering == null) {
      recovering = new java.util.HashMap<>();
    }
    recovering.put(channel, new Recovery());
  }

  /**
   * Ends a recovery: writes the publications read from history, then the live broadcasts that
   * waited, skipping those the client is past ({@link Recovery#unseen}); later broadcasts of
   * that epoch at or below {@code cutoff} are dropped too, until the first one past it. A
   * broadcast of another epoch arriving later (the stream started anew) is never taken for a
   * replayed one. {@code cutoff} -1: nothing was replayed, everything that waited goes out.
   * The replay is written as the client reads it: nothing of it is dropped at the queue's cap;
   * broadcasts arriving meanwhile wait behind it (up to {@code outboundQueueBytes}, then dropped
   * and counted), and a client that reads nothing for the slow-consumer timeout is closed.
   */
  public void recovered(String channel, java.util.List<Outbound> replay, long cutoff,
                        String epoch) {
    Recovery r = recovering == null ? null : recovering.get(channel);
    if (r == null) {
      return;
    }
    r.holding = false;
    r.cutoff = cutoff;
    r.epoch = epoch;
    r.toWrite = new java.util.ArrayDeque<>(replay.size() + r.held.size());
    r.toWrite.addAll(replay);
    r.toWrite.addAll(r.unseen());
    r.held.clear();
    recount(r);
    writeRecovery(channel, r);
  }

  /**
   * Ends the hold of a register acked with position {@code acked} and nothing to replay: writes
   * the broadcasts that waited past that position ({@link Recovery#unseen}) and stops holding.
   * Broadcasts after this come after the ack, and past it.
   */
  public void acknowledged(String channel, long acked, String epoch) {
    Recovery r = recovering == null ? null : recovering.get(channel);
    if (r == null) {
      return;
    }
    r.holding = false;
    r.cutoff = acked;
    r.epoch = epoch;
    r.toWrite = new java.util.ArrayDeque<>(r.unseen());
    r.held.clear();
    recount(r);
    writeRecovery(channel, r);
    if (r.toWrite == null && recovering != null && recovering.get(channel) == r) {
      // nothing pending: later broadcasts go straight out (those at or below the ack were
      // delivered before it and are already left out)
      forget(channel);
    }
  }

  /**
   * Writes what a recovery has left while the queue is below its cap; the rest waits for
   * {@link #dequeued} (the client read something) and the stall timer closes a client that
   * reads nothing. Once all is written, the recovery only filters replayed offsets.
   */
  private void writeRecovery(String channel, Recovery r) {
    if (writingRecovery) {
      return; // a write completed at once, inside the loop below: it goes on by itself
    }
    writingRecovery = true;
    int sent = 0;
    long bytes = 0;
    while (!r.toWrite.isEmpty() && queuedBytes < queueCap && state == State.OPEN) {
      Outbound o = r.toWrite.poll();
      r.bytes -= o.size();
      waitingBytes -= o.size();
      write(o);
      sent++;
      bytes += o.size();
    }
    writingRecovery = false;
    if (sent > 0) {
      drops = 0;
      loop.metrics().messagesSent(transportName, sent, bytes);
    }
    if (!r.toWrite.isEmpty()) {
      startStallTimer();
      return;
    }
    r.toWrite = null;
    if (r.cutoff < 0 && recovering != null && recovering.get(channel) == r) {
      forget(channel);
    }
  }

  /** Recounts a recovery's waiting bytes (what it holds and has left to write). */
  private void recount(Recovery r) {
    long bytes = 0;
    for (Outbound o : r.toWrite) {
      bytes += o.size();
    }
    waitingBytes += bytes - r.bytes;
    r.bytes = bytes;
  }

  /** Ends a channel's recovery: nothing of it waits any more. */
  private void forget(String channel) {
    Recovery r = recovering == null ? null : recovering.remove(channel);
    if (r != null) {
      waitingBytes -= r.bytes;
      r.bytes = 0;
    }
    if (recovering != null && recovering.isEmpty()) {
      recovering = null;
    }
  }

  /**
   * What may wait behind this connection's recoveries, replays and held broadcasts together:
   * four times {@code outboundQueueBytes}.
   */
  private long maxWaiting() {
    return 4L * queueCap;
  }

  /**
   * Whether a replay of {@code bytes} may be taken on: it waits, with what other recoveries hold,
   * within {@link #maxWaiting()}. A replay that does not fit is answered {@code recovered:false}.
   */
  public boolean mayTakeReplay(long bytes) {
    return waitingBytes + bytes <= maxWaiting();
  }

  /** The client read something: recoveries waiting for room go on. */
  private void resumeRecoveries() {
    if (recovering == null) {
      return;
    }
    for (java.util.Map.Entry<String, Recovery> e : new java.util.ArrayList<>(recovering.entrySet())) {
      if (e.getValue().toWrite != null && queuedBytes < queueCap) {
        writeRecovery(e.getKey(), e.getValue());
      }
    }
  }

  /** Abandons a recovery (the registration failed): nothing that waited is written. */
  public void recoveryAbandoned(String channel) {
    forget(channel);
  }

  /** Writes a direct reply; closes the connection if its queue is twice over the cap. */
  public void reply(Outbound message) {
    if (state != State.OPEN) {
      return;
    }
    if (queuedBytes >= 2L * queueCap) {
      close(CloseReason.SLOW_CONSUMER);
      return;
    }
    write(message);
    loop.metrics().messagesSent(transportName, 1, message.size());
  }

  private void write(Outbound message) {
    int size = message.size();
    queuedBytes += size;
    transport.write(message).onComplete(ar -> dequeued(size));
  }

  private void dequeued(int size) {
    queuedBytes -= size;
    lastProgress = System.nanoTime();
    if (queuedBytes < queueCap && stallTimer != -1) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (recovering != null && queuedBytes <= queueCap / 2 && state == State.OPEN) {
      resumeRecoveries();
    }
  }

  private void startStallTimer() {
    if (stallTimer == -1) {
      stallTimer = vertx.setTimer(TimeUnit.NANOSECONDS.toMillis(slowTimeoutNanos), t -> {
        stallTimer = -1;
        if (queuedBytes >= queueCap) {
          close(CloseReason.SLOW_CONSUMER);
        }
      });
    }
  }

  /**
   * Closes the connection from the server side with the given reason: the client is told (after
   * what is already queued), the subscriptions end at once, and the transport is cut if the
   * client reads nothing more for the close timeout.
   */
  public void close(CloseReason reason) {
    close(reason, reason.text());
  }

  /**
   * As {@link #close(CloseReason)}, with {@code text} as the reason the client is told (cut to
   * fit a close frame: {@link CloseReason#fit}).
   */
  public void close(CloseReason reason, String text) {
    if (state != State.OPEN) {
      return;
    }
    state = State.CLOSING;
    lastProgress = System.nanoTime();
    leaveEverything();
    loop.closed(this, reason);
    transport.close(reason, CloseReason.fit(text));
  }

  /**
   * The transport reports the connection gone (client close, network failure, or the end of a
   * close the gateway started). Idempotent: the first reason, from either side, is the one
   * counted.
   */
  public void ended(CloseReason reason) {
    if (state == State.ENDED) {
      return;
    }
    if (state == State.OPEN) {
      leaveEverything();
      loop.closed(this, reason);
    }
    state = State.ENDED;
    loop.ended(this);
    cancel(stallTimer);
    stallTimer = -1;
    lease.release();
  }

  private void leaveEverything() {
    recovering = null;
    waitingBytes = 0;
    cancel(expiryTimer);
    expiryTimer = -1;
    cancel(authTimer);
    authTimer = -1;
    for (String channel : channels) {
      shard.unsubscribe(this, channel);
      if (channelLeft != null) {
        channelLeft.accept(this, channel);
      }
    }
    channels.clear();
    serverChannels = null;
  }

  private void cancel(long timer) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  @Override
  public String toString() {
    return "Connection[" + id + "," + transportName + "]";
  }
}
