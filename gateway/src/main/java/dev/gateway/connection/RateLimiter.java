package dev.gateway.connection;

/**
 * Token buckets for one connection's inbound traffic, one counting messages and one counting
 * their bytes, plus the "persistent abuse" rule: more than {@code maxStrikes} refused messages
 * within one {@code strikeWindowNanos} window means the connection should be closed. A message
 * passes only when both buckets hold enough for it, and then takes from both; a refused message
 * takes nothing. Confined to the connection's event loop.
 */
final class RateLimiter {

  /** What to do with a message. */
  enum Verdict { ACCEPT, REFUSE, CLOSE }

  private final double ratePerNano;
  private final double burst;
  private final double bytesPerNano;
  private final double byteBurst;
  private final int maxStrikes;
  private final long strikeWindowNanos;
  private double tokens;
  private double byteTokens;
  private long lastRefill;
  private int strikes;
  private long windowStart;

  /**
   * @param byteBurst at least the largest message, so that a full bucket lets any message pass
   */
  RateLimiter(int perSecond, int burst, int bytesPerSecond, int byteBurst, int maxStrikes,
              long strikeWindowNanos, long now) {
    this.ratePerNano = perSecond / 1e9;
    this.burst = burst;
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.byteBurst = byteBurst;
    this.maxStrikes = maxStrikes;
    this.strikeWindowNanos = strikeWindowNanos;
    this.tokens = burst;
    this.byteTokens = byteBurst;
    this.lastRefill = now;
    this.windowStart = now;
  }

  /** Rates a message of {@code bytes} bytes (0 for a control frame). */
  Verdict onMessage(long now, int bytes) {
    long elapsed = now - lastRefill;
    tokens = Math.min(burst, tokens + elapsed * ratePerNano);
    byteTokens = Math.min(byteBurst, byteTokens + elapsed * bytesPerNano);
    lastRefill = now;
    if (tokens >= 1 && byteTokens >= bytes) {
      tokens -= 1;
      byteTokens -= bytes;
      return Verdict.ACCEPT;
    }
    if (now - windowStart > strikeWindowNanos) {
      windowStart = now;
      strikes = 0;
    }
    return ++strikes > maxStrikes ? Verdict.CLOSE : Verdict.REFUSE;
  }
}
