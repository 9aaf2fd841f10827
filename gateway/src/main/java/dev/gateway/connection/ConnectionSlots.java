package dev.gateway.connection;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's connection budget ({@code limits.maxConnections}). The handshake gate reserves a
 * slot atomically before any upgrade or session exists, so concurrent handshakes on several
 * event loops never overshoot; the connection then owns the slot and releases it when it ends.
 */
public final class ConnectionSlots {

  private final AtomicInteger open = new AtomicInteger();
  private final int max;

  public ConnectionSlots(int max) {
    this.max = max;
  }

  /** Takes a slot if one is free. */
  public boolean tryReserve() {
    while (true) {
      int n = open.get();
      if (n >= max) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Takes a slot whatever the limit (a connection the gate did not see coming). */
  public void forceReserve() {
    open.incrementAndGet();
  }

  public void release() {
    open.decrementAndGet();
  }

  /** Slots in use: open connections plus handshakes in progress. */
  public int inUse() {
    return open.get();
  }
}
