package dev.gateway.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recovery side by side: {@code clients} subscribers of one channel drop at once while a
 * publisher goes on, and reconnect asking for what they missed (see {@link RecoveryClient}).
 * Per trial: subscribe, publish at {@link #RATE}/s for {@link #PUBLISH_SECONDS} s; after
 * {@link #DROP_AFTER_MS} ms every subscriber closes its connection, {@link #GAP_MS} ms later they
 * reconnect ({@link Phases#IN_FLIGHT} handshakes at a time) to the same node or another one;
 * {@link #DRAIN_MS} ms after the last publication the messages each client never received are
 * counted. Bounded: every wait has a deadline, every connection is closed at the end.
 */
final class RecoveryPhase {

  static final String CHANNEL = "bench.recovery";
  /** Publications per second to the channel (RATE x clients deliveries per second). */
  static final double RATE = 20;
  static final double PUBLISH_SECONDS = 10;
  static final long DROP_AFTER_MS = 3_000;
  static final long GAP_MS = 1_000;
  static final long DRAIN_MS = 3_000;

  /** What one trial measured. */
  record Trial(String server, String reconnectTo, int clients, int reconnected, int recovered,
               long published, long lost, int clientsLosing, long duplicates,
               double reconnectP50, double reconnectP99, double catchUpP50, double catchUpP99,
               double catchUpMax, int caughtUp, double allCaughtUpMs, long retries,
               String load) {
  }

  private final LoadGenerator gen;

  RecoveryPhase(LoadGenerator gen) {
    this.gen = gen;
  }

  /**
   * One trial: subscribers start on {@code subscribeTo}, reconnect to {@code reconnectTo}, the
   * publisher is one client connection on {@code publishTo}.
   */
  Trial run(String label, String where, Target target, ServerProcess publishTo,
            ServerProcess subscribeTo, ServerProcess reconnectTo, int n) throws Exception {
    String load = Proc.loadAverage();
    List<RecoveryClient> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      clients.add(new RecoveryClient(target, CHANNEL));
    }
    LoadGenerator.Opened pubs = gen.open(target, publishTo.port, 1, 1, new Deliveries(), 30_000);
    try {
      if (pubs.sessions().isEmpty()) {
        throw new IllegalStateException(label + ": the publisher did not connect");
      }
      int started = all(clients, (c, i) -> c.start(gen, subscribeTo.port, i), 120_000);
      if (started < n) {
        throw new IllegalStateException(label + ": only " + started + "/" + n + " subscribed");
      }
      Publisher publisher = new Publisher(target, pubs.sessions(), CHANNEL);
      long[] published = new long[1];
      Thread publishing = new Thread(() -> published[0] = publisher.run(RATE, PUBLISH_SECONDS),
          "bench-recovery-publisher");
      publishing.start();
      Thread.sleep(DROP_AFTER_MS);
      long dropNanos = System.nanoTime();
      all(clients, (c, i) -> c.drop(), 30_000);
      Thread.sleep(GAP_MS);
      int reconnected = all(clients, (c, i) -> c.reconnect(gen, reconnectTo.port, i,
          publisher.nextSequence() - 1), 120_000);
      publishing.join(TimeUnit.SECONDS.toMillis((long) PUBLISH_SECONDS + 60));
      Thread.sleep(DRAIN_MS);
      long last = published[0] - 1;
      long lost = 0;
      int losing = 0;
      long dups = 0;
      long retries = 0;
      int recovered = 0;
      int caughtUp = 0;
      long lastCaughtUp = 0;
      List<Double> reconnectMs = new ArrayList<>();
      List<Double> catchUpMs = new ArrayList<>();
      for (RecoveryClient c : clients) {
        long l = c.lost(last);
        lost += l;
        losing += l > 0 ? 1 : 0;
        dups += c.duplicates();
        retries += c.retries();
        recovered += c.recovered() ? 1 : 0;
        if (!Double.isNaN(c.reconnectMs())) {
          reconnectMs.add(c.reconnectMs());
        }
        if (!Double.isNaN(c.catchUpMs())) {
          catchUpMs.add(c.catchUpMs());
          caughtUp++;
          lastCaughtUp = Math.max(lastCaughtUp, c.caughtUpNanos());
        }
      }
      reconnectMs.sort(null);
      catchUpMs.sort(null);
      Trial t = new Trial(label, where, n, reconnected, recovered, published[0], lost, losing,
          dups, pct(reconnectMs, 50), pct(reconnectMs, 99), pct(catchUpMs, 50),
          pct(catchUpMs, 99), pct(catchUpMs, 100), caughtUp,
          lastCaughtUp == 0 ? Double.NaN : (lastCaughtUp - dropNanos) / 1e6, retries, load);
      Report.progress("recovery %-18s %-12s %,d clients: %,d reconnected, %,d recovered, %,d"
              + " published, lost %,d (%,d clients), duplicates %,d; reconnect p50 %.0f p99 %.0f ms;"
              + " caught up %,d, p50 %.0f p99 %.0f max %.0f ms; all caught up %.0f ms after the"
              + " drop; %,d connection attempts retried; load %s", label, where, n, reconnected, recovered, published[0], lost,
          losing, dups, t.reconnectP50(), t.reconnectP99(), caughtUp, t.catchUpP50(),
          t.catchUpP99(), t.catchUpMax(), t.allCaughtUpMs(), retries, load);
      return t;
    } finally {
      clients.forEach(RecoveryClient::close);
      gen.closeAll(pubs.sessions(), 10_000);
      Thread.sleep(2_000);
    }
  }

  private interface Action {
    Future<?> apply(RecoveryClient c, int index);
  }

  /** Applies {@code action} to every client, {@link Phases#IN_FLIGHT} at a time; returns successes. */
  private static int all(List<RecoveryClient> clients, Action action, long timeoutMs)
      throws InterruptedException {
    Semaphore window = new Semaphore(Phases.IN_FLIGHT);
    AtomicInteger ok = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(clients.size());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (int i = 0; i < clients.size(); i++) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        break;
      }
      action.apply(clients.get(i), i).onComplete(ar -> {
        if (ar.succeeded()) {
          ok.incrementAndGet();
        }
        window.release();
        done.countDown();
      });
    }
    done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    return ok.get();
  }

  private static double pct(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
