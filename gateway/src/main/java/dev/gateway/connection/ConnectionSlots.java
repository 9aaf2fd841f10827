package dev.gateway.connection;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a node lets clients hold: connection slots ({@code limits.maxConnections}), connections
 * per client address ({@code limits.maxConnectionsPerAddress}) and handshakes in flight per
 * client address ({@code limits.maxHandshakesPerAddress}; HTTP connections that have not sent a
 * complete request head count as handshakes too).
 *
 * <p>A handshake takes a {@link Lease} before any per-connection state exists; the lease holds a
 * slot, a place in its address's connection count and a handshake until
 * {@link Lease#handshakeDone()}. Whatever happens next, the lease is released exactly once:
 * {@link Lease#release()} is idempotent and gives back everything it still holds, so every way
 * out of a handshake (refusal, exception, timeout, the client vanishing) and the end of the
 * connection call it without keeping track of what was taken. Thread-safe: a lease may be
 * taken on one event loop and released on another.
 */
public final class ConnectionSlots {

  /** Why {@link #tryAcquire} refused. */
  public enum Refusal {
    /** The node is at {@code limits.maxConnections}. */
    CONNECTION_LIMIT,
    /** The client address is at {@code limits.maxConnectionsPerAddress} connections. */
    ADDRESS_CONNECTIONS,
    /** The client address is at {@code limits.maxHandshakesPerAddress} handshakes in flight. */
    ADDRESS_HANDSHAKES
  }

  private static final class Counts {
    int connections;
    int handshakes;
  }

  private final AtomicInteger inUse = new AtomicInteger();
  private final int max;
  private final int maxPerAddress;
  private final int maxHandshakesPerAddress;
  private final ConcurrentHashMap<Object, Counts> addresses = new ConcurrentHashMap<>();

  public ConnectionSlots(int max, int maxPerAddress, int maxHandshakesPerAddress) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
    this.maxHandshakesPerAddress = maxHandshakesPerAddress;
  }

  /** A node-wide budget without per-address caps (tests, embedders). */
  public ConnectionSlots(int max) {
    this(max, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  /**
   * A connection slot held by one handshake, then by its connection. Release it on every way
   * out; releasing twice is harmless.
   */
  public final class Lease {
    private final Object address;
    private final AtomicInteger state = new AtomicInteger(HANDSHAKING);
    private final Refusal refusal;
    private volatile io.vertx.core.Vertx timerOwner;
    private volatile long timer = -1;

    private Lease(Object address, Refusal refusal) {
      this.address = address;
      this.refusal = refusal;
      if (refusal != null) {
        state.set(RELEASED);
      }
    }

    /** Null when the lease holds a slot; otherwise why none was given (nothing is held). */
    public Refusal refusal() {
      return refusal;
    }

    /** The handshake completed: the connection is open and keeps the slot. */
    public void handshakeDone() {
      cancelTimer();
      if (state.compareAndSet(HANDSHAKING, OPEN)) {
        addresses.computeIfPresent(address, (k, c) -> {
          c.handshakes--;
          return c.connections == 0 && c.handshakes == 0 ? null : c;
        });
      }
    }

    /** Gives back everything this lease still holds. Idempotent. */
    public void release() {
      cancelTimer();
      int was = state.getAndSet(RELEASED);
      if (was == RELEASED) {
        return;
      }
      inUse.decrementAndGet();
      addresses.computeIfPresent(address, (k, c) -> {
        c.connections--;
        if (was == HANDSHAKING) {
          c.handshakes--;
        }
        return c.connections == 0 && c.handshakes == 0 ? null : c;
      });
    }

    /** True while the handshake has neither completed nor been given up. */
    public boolean handshaking() {
      return state.get() == HANDSHAKING;
    }

    /**
     * Gives the lease up if the handshake has not completed within {@code timeoutMs} (then
     * {@code onTimeout} runs, to drop the client's connection).
     */
    public void expireAfter(io.vertx.core.Vertx vertx, long timeoutMs, Runnable onTimeout) {
      timerOwner = vertx;
      timer = vertx.setTimer(timeoutMs, t -> {
        timer = -1;
        if (handshaking()) {
          release();
          onTimeout.run();
        }
      });
    }

    /** The handshake ended one way or another: its deadline (and what it holds) goes. */
    private void cancelTimer() {
      long t = timer;
      if (t != -1) {
        timer = -1;
        timerOwner.cancelTimer(t);
      }
    }

    /** True once released (or never granted). */
    public boolean released() {
      return state.get() == RELEASED;
    }
  }

  private static final int HANDSHAKING = 0;
  private static final int OPEN = 1;
  private static final int RELEASED = 2;

  /**
   * Takes a slot for a handshake from the given client address key (see
   * {@code ClientAddress.group}). The lease's {@link Lease#refusal()} says whether it was given.
   */
  public Lease tryAcquire(Object address) {
    while (true) {
      int n = inUse.get();
      if (n >= max) {
        return new Lease(address, Refusal.CONNECTION_LIMIT);
      }
      if (inUse.compareAndSet(n, n + 1)) {
        break;
      }
    }
    Refusal[] refused = new Refusal[1];
    addresses.compute(address, (k, c) -> {
      Counts counts = c == null ? new Counts() : c;
      if (counts.connections >= maxPerAddress) {
        refused[0] = Refusal.ADDRESS_CONNECTIONS;
      } else if (counts.handshakes >= maxHandshakesPerAddress) {
        refused[0] = Refusal.ADDRESS_HANDSHAKES;
      } else {
        counts.connections++;
        counts.handshakes++;
      }
      return counts.connections == 0 && counts.handshakes == 0 ? null : counts;
    });
    if (refused[0] != null) {
      inUse.decrementAndGet();
      return new Lease(address, refused[0]);
    }
    return new Lease(address, null);
  }

  /**
   * Counts an HTTP connection that has not sent a complete request head yet against its
   * address's handshakes. Returns a release action, or null when the address is at its cap.
   */
  public Runnable tryAcquirePendingHead(Object address) {
    boolean[] granted = new boolean[1];
    addresses.compute(address, (k, c) -> {
      Counts counts = c == null ? new Counts() : c;
      if (counts.handshakes < maxHandshakesPerAddress) {
        counts.handshakes++;
        granted[0] = true;
      }
      return counts.connections == 0 && counts.handshakes == 0 ? null : counts;
    });
    if (!granted[0]) {
      return null;
    }
    AtomicInteger once = new AtomicInteger();
    return () -> {
      if (once.getAndIncrement() == 0) {
        addresses.computeIfPresent(address, (k, c) -> {
          c.handshakes--;
          return c.connections == 0 && c.handshakes == 0 ? null : c;
        });
      }
    };
  }

  /** Slots in use: open connections plus handshakes in progress. */
  public int inUse() {
    return inUse.get();
  }

  /** Client addresses currently holding a connection or a handshake (for tests and metrics). */
  public int addressesTracked() {
    return addresses.size();
  }
}
