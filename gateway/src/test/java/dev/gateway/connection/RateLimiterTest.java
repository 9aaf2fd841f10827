package dev.gateway.connection;

import static dev.gateway.connection.RateLimiter.Verdict.ACCEPT;
import static dev.gateway.connection.RateLimiter.Verdict.CLOSE;
import static dev.gateway.connection.RateLimiter.Verdict.REFUSE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The two buckets (messages, bytes) and the strike rule, on a clock the test moves. */
class RateLimiterTest {

  static final long SECOND = 1_000_000_000L;
  static final long WINDOW = 10 * SECOND;

  @Test
  void aMessagePassesOnlyWhenBothBucketsCanPay() {
    // 100 messages/s (burst 200), 1,000 bytes/s (burst 3,000)
    RateLimiter r = new RateLimiter(100, 200, 1_000, 3_000, 100, WINDOW, 0);
    assertEquals(ACCEPT, r.onMessage(0, 1_000));
    assertEquals(ACCEPT, r.onMessage(0, 1_500));
    assertEquals(REFUSE, r.onMessage(0, 600), "500 bytes left");
    assertEquals(ACCEPT, r.onMessage(0, 500), "a refused message took nothing");
    assertEquals(ACCEPT, r.onMessage(0, 0), "no bytes: only the message rate applies");
    assertEquals(REFUSE, r.onMessage(0, 1));
    assertEquals(ACCEPT, r.onMessage(SECOND / 2, 500), "half a second refills 500 bytes");
    assertEquals(REFUSE, r.onMessage(SECOND / 2, 1));
  }

  @Test
  void theByteBucketRefillsUpToItsBurstOnly() {
    RateLimiter r = new RateLimiter(100, 200, 1_000, 3_000, 100, WINDOW, 0);
    assertEquals(ACCEPT, r.onMessage(0, 3_000));
    assertEquals(ACCEPT, r.onMessage(60 * SECOND, 3_000), "a minute later: full again");
    assertEquals(REFUSE, r.onMessage(60 * SECOND, 1), "but never above the burst");
  }

  @Test
  void theMessageRateStillAppliesToSmallMessages() {
    RateLimiter r = new RateLimiter(10, 20, 1_000_000, 1_000_000, 100, WINDOW, 0);
    for (int i = 0; i < 20; i++) {
      assertEquals(ACCEPT, r.onMessage(0, 1), "message " + i);
    }
    assertEquals(REFUSE, r.onMessage(0, 1), "the 21st message of a 20 burst");
  }

  @Test
  void byteRefusalsAreStrikesLikeMessageRefusals() {
    RateLimiter r = new RateLimiter(1_000, 1_000, 100, 1_000, 3, WINDOW, 0);
    assertEquals(ACCEPT, r.onMessage(0, 1_000));
    assertEquals(REFUSE, r.onMessage(1, 1_000));
    assertEquals(REFUSE, r.onMessage(2, 1_000));
    assertEquals(REFUSE, r.onMessage(3, 1_000));
    assertEquals(CLOSE, r.onMessage(4, 1_000), "the 4th refusal within the window, 3 allowed");
  }

  @Test
  void strikesAreCountedPerWindow() {
    RateLimiter r = new RateLimiter(1_000, 1_000, 1, 1_000, 2, WINDOW, 0);
    assertEquals(ACCEPT, r.onMessage(0, 1_000));
    assertEquals(REFUSE, r.onMessage(1, 1_000));
    assertEquals(REFUSE, r.onMessage(2, 1_000));
    // 11 s later 11 bytes refilled: still refused, but the window started again
    assertEquals(REFUSE, r.onMessage(11 * SECOND, 1_000));
    assertEquals(REFUSE, r.onMessage(11 * SECOND + 1, 1_000));
    assertEquals(CLOSE, r.onMessage(11 * SECOND + 2, 1_000));
  }
}
