package dev.gateway.connection;

import dev.gateway.support.BridgeClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Publishes numbered messages at a steady rate through a {@link BridgeClient} on {@code /ws}.
 * Each body is {@code {"seq":N,"pad":"..."}}; the pad brings the {@code rec} frame a subscriber
 * gets to about {@link #APPROX_FRAME_BYTES}.
 */
final class PacedPublisher {

  static final int APPROX_FRAME_BYTES = 1024;
  private static final String PAD = "x".repeat(APPROX_FRAME_BYTES - 100);

  private final BridgeClient client;
  private final String address;

  PacedPublisher(BridgeClient client, String address) {
    this.client = client;
    this.address = address;
  }

  /** The {@code rec} frame a subscriber receives for one message, in bytes (the seq width varies a little). */
  int frameBytes(int seq) {
    JsonObject rec = new JsonObject().put("type", "rec").put("address", address).put("body", body(seq));
    return rec.encode().length();
  }

  private static JsonObject body(int seq) {
    return new JsonObject().put("seq", seq).put("pad", PAD);
  }

  /**
   * Publishes {@code count} messages (seq 0..count-1), message i due at start + i / rate; a late
   * thread catches up without skipping. Blocks the calling thread (never an event loop).
   */
  void publish(int count, int perSecond) {
    publish(count, perSecond, () -> false);
  }

  /** As {@link #publish(int, int)}, stopping early once {@code stop} is true; returns the number published. */
  int publish(int count, int perSecond, BooleanSupplier stop) {
    long start = System.nanoTime();
    long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
    int seq = 0;
    for (; seq < count && !stop.getAsBoolean(); seq++) {
      long due = start + seq * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      client.send(new JsonObject().put("type", "publish").put("address", address)
          .put("body", body(seq)));
    }
    return seq;
  }
}
