package dev.gateway.connection;

/**
 * Token bucket for one connection's inbound messages, plus the "persistent abuse" rule: more than
 * {@code maxStrikes} refused messages within one {@code strikeWindowNanos} window means the
 * connection should be closed. Confined to the connection's event loop.
 */
final class RateLimiter {

  /** What to do with a message. */
  enum Verdict { ACCEPT, REFUSE, CLOSE }

  private final double ratePerNano;
  private final double burst;
  private final int maxStrikes;
  private final long strikeWindowNanos;
  private double tokens;
  private long lastRefill;
  private int strikes;
  private long windowStart;

  RateLimiter(int perSecond, int burst, int maxStrikes, long strikeWindowNanos, long now) {
    this.ratePerNano = perSecond / 1e9;
    this.burst = burst;
    this.maxStrikes = maxStrikes;
    this.strikeWindowNanos = strikeWindowNanos;
    this.tokens = burst;
    this.lastRefill = now;
    this.windowStart = now;
  }

  Verdict onMessage(long now) {
    tokens = Math.min(burst, tokens + (now - lastRefill) * ratePerNano);
    lastRefill = now;
    if (tokens >= 1) {
      tokens -= 1;
      return Verdict.ACCEPT;
    }
    if (now - windowStart > strikeWindowNanos) {
      windowStart = now;
      strikes = 0;
    }
    return ++strikes > maxStrikes ? Verdict.CLOSE : Verdict.REFUSE;
  }
}
