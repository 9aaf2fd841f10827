package dev.gateway.bench;

import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts deliveries and records publish-to-delivery latency. The publisher puts
 * {@code System.nanoTime()} in each payload ({@code "t":NANOS}); publishers and subscribers live
 * in this process, so the clock is the same. Called from the client event loops.
 */
final class Deliveries {

  /** Latencies are recorded in microseconds, up to one minute. */
  private static final long MAX_MICROS = 60_000_000L;

  private final LongAdder received = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final Recorder latency = new Recorder(MAX_MICROS, 3);

  long received() {
    return received.sum();
  }

  /**
   * Bytes of the frames that carried deliveries: WebSocket text payloads, SockJS {@code a[...]}
   * frames (without the transport's own framing, which is the same for every server).
   */
  long bytes() {
    return bytes.sum();
  }

  void addBytes(int n) {
    bytes.add(n);
  }

  /** Latency histogram since the previous call (µs), and resets it. */
  Histogram takeHistogram() {
    return latency.getIntervalHistogram();
  }

  /** Scans {@code frame[from, to)} for timestamps after {@code marker}; returns how many. */
  int scan(Buffer frame, int from, int to, byte[] marker) {
    long now = System.nanoTime();
    int n = 0;
    int last = to - marker.length;
    for (int i = from; i <= last; i++) {
      if (frame.getByte(i) == marker[0] && matches(frame, i, marker)) {
        int j = i + marker.length;
        long t = 0;
        byte b;
        while (j < to && (b = frame.getByte(j)) >= '0' && b <= '9') {
          t = t * 10 + (b - '0');
          j++;
        }
        long micros = (now - t) / 1000;
        latency.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
        n++;
        i = j - 1;
      }
    }
    if (n > 0) {
      received.add(n);
    }
    return n;
  }

  private static boolean matches(Buffer frame, int at, byte[] marker) {
    for (int k = 1; k < marker.length; k++) {
      if (frame.getByte(at + k) != marker[k]) {
        return false;
      }
    }
    return true;
  }
}
