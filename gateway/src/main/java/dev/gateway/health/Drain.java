package dev.gateway.health;

import dev.gateway.connection.LoopConnections;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Paced drain of a stopping node. Readiness fails at once and new connections are refused (the
 * handshake gate checks {@link Health#draining()}); the open connections are then closed with
 * 1001 in equal batches spread over the drain window, so their clients reconnect to other nodes
 * gradually instead of all at once.
 */
public final class Drain {

  /** Batches per second of window. */
  private static final int TICKS_PER_SECOND = 10;

  private final Vertx vertx;
  private final Health health;
  private final long windowMs;
  private final List<LoopConnections> loops = new CopyOnWriteArrayList<>();

  public Drain(Vertx vertx, Health health, long windowMs) {
    this.vertx = vertx;
    this.health = health;
    this.windowMs = windowMs;
  }

  /** Each event loop's connections register here when its server starts. */
  public void register(LoopConnections loop) {
    loops.add(loop);
  }

  /** Starts draining; completes when every connection was asked to close. */
  public Future<Void> start() {
    health.markDraining();
    Promise<Void> done = Promise.promise();
    int ticks = (int) Math.max(1, windowMs * TICKS_PER_SECOND / 1000);
    long period = Math.max(1, windowMs / ticks);
    int total = loops.stream().mapToInt(LoopConnections::connectionCount).sum();
    // how many connections should be closed after each tick, spread evenly; the last tick
    // closes whatever is left (including connections that arrived meanwhile, if any)
    tick(1, ticks, period, total, done);
    return done.future();
  }

  private void tick(int n, int ticks, long period, int total, Promise<Void> done) {
    vertx.setTimer(period, t -> {
      int target = n >= ticks ? Integer.MAX_VALUE : (int) ((long) total * n / ticks);
      int open = loops.stream().mapToInt(LoopConnections::connectionCount).sum();
      int closedSoFar = total - open;
      int toClose = Math.max(0, target - closedSoFar);
      if (toClose > 0) {
        closeSpread(toClose, open);
      }
      if (n >= ticks) {
        done.complete();
      } else {
        tick(n + 1, ticks, period, total, done);
      }
    });
  }

  /** Closes about {@code count} connections, shared among the loops by their size. */
  private void closeSpread(int count, int open) {
    for (LoopConnections loop : loops) {
      int share = open == 0 ? 0
          : count == Integer.MAX_VALUE ? Integer.MAX_VALUE
          : (int) Math.ceil((double) count * loop.connectionCount() / open);
      if (share > 0) {
        loop.context().runOnContext(v -> loop.closeSome(share, CloseReason.SHUTDOWN));
      }
    }
  }
}
