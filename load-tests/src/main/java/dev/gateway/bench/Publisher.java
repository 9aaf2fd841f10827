package dev.gateway.bench;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes at a fixed rate on its own thread, round-robin over one or more publisher sessions
 * (WebSocket connections or SockJS sessions sending over {@code xhr_send}),
 * each message carrying its send time ({@code System.nanoTime()}) and a sequence number. Pacing
 * is by schedule, not by sleep: every 0.5 ms it sends what is due, so a slow moment is caught up.
 */
final class Publisher {

  /** Payload padding so a delivery is about the size of a small chat message (~130 bytes). */
  static final String PADDING = "x".repeat(48);

  private final Target target;
  private final List<? extends Sender> publishers;
  private final List<String> channels;
  /** Written by the publishing thread only; read by others (volatile). */
  private volatile long sequence;

  Publisher(Target target, List<? extends Sender> publishers, String channel) {
    this(target, publishers, List.of(channel));
  }

  /** Publication k goes to publisher k mod P and channel k mod C. */
  Publisher(Target target, List<? extends Sender> publishers, List<String> channels) {
    this.target = target;
    this.publishers = publishers;
    this.channels = List.copyOf(channels);
  }

  /** Sequence number the next publication will carry ({@code "s"} in its body). */
  long nextSequence() {
    return sequence;
  }

  /** Publishes {@code rate} messages per second for {@code seconds}; returns how many were sent. */
  long run(double rate, double seconds) {
    long total = (long) Math.floor(rate * seconds);
    long t0 = System.nanoTime();
    long sent = 0;
    while (sent < total) {
      long elapsed = System.nanoTime() - t0;
      long due = Math.min(total, (long) Math.floor(elapsed / 1e9 * rate) + 1);
      while (sent < due) {
        Sender s = publishers.get((int) (sent % publishers.size()));
        String body = "{\"t\":" + System.nanoTime() + ",\"s\":" + (sequence++) + ",\"p\":\"" + PADDING + "\"}";
        s.send(target.publish(channels.get((int) (sent % channels.size())), body));
        sent++;
      }
      long next = t0 + (long) Math.ceil(sent * 1e9 / rate);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(Math.min(wait, 500_000L));
      }
    }
    return sent;
  }
}
