package dev.gateway.load;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Publish-to-arrival latency of deliveries as subscribers saw them (from the body's timestamp),
 * 1 ms buckets up to 60 s. Shared by all users of a run (lock-free), printed by the simulation's
 * {@code after()}: Gatling's own statistics cover requests, not the messages a connection receives.
 */
public final class LatencyHistogram {

  private static final int MAX_MS = 60_000;
  private final AtomicLongArray buckets = new AtomicLongArray(MAX_MS + 1);
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong max = new AtomicLong();
  private final AtomicLong untimed = new AtomicLong();

  public void record(long millis) {
    long v = Math.max(0, millis);
    buckets.incrementAndGet((int) Math.min(v, MAX_MS));
    count.incrementAndGet();
    max.accumulateAndGet(v, Math::max);
  }

  /** A delivery whose arrival time is unknown (inside a streamed response read whole). */
  public void recordUntimed() {
    untimed.incrementAndGet();
  }

  public long count() {
    return count.get();
  }

  /** Value at the percentile (0-100), in ms; -1 when empty. */
  public long percentile(double p) {
    long n = count.get();
    if (n == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(p / 100.0 * n);
    long seen = 0;
    for (int i = 0; i <= MAX_MS; i++) {
      seen += buckets.get(i);
      if (seen >= rank) {
        return i;
      }
    }
    return MAX_MS;
  }

  public String summary() {
    String timed = count() == 0 ? "none timed" : String.format(
        "%,d timed: latency p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms",
        count(), percentile(50), percentile(99), percentile(99.9), max.get());
    return String.format("%,d deliveries, %s", count() + untimed.get(), timed);
  }
}
