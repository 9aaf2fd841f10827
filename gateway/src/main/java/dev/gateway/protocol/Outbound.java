package dev.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One encoded message for clients: UTF-8 bytes produced once per node and shared by every
 * connection it is written to. A transport that needs the message in another form (a complete
 * WebSocket frame, a SockJS {@code a[...]} chunk) asks for an {@link Encoding}; each encoding is
 * computed at most once per message, on first use, and then shared by every socket of every
 * event loop, so a broadcast costs one encoding per form in use on the node, not one per socket.
 */
public final class Outbound {

  /**
   * A form of a message for one transport, computed from the message once and cached on it. The
   * result must be safe to share between sockets and threads (immutable, or a buffer each writer
   * duplicates).
   */
  public abstract static class Encoding<T> {
    private static int next;
    private final int slot;

    protected Encoding() {
      synchronized (Encoding.class) {
        if (next == SLOTS) {
          throw new IllegalStateException("more than " + SLOTS + " message encodings");
        }
        slot = next++;
      }
    }

    /** Computes this form of the message. May run twice for one message under a race: pure. */
    protected abstract T encode(Outbound message);
  }

  /** Encodings a message can cache: one per transport form (WebSocket frame, SockJS framings). */
  static final int SLOTS = 8;

  private final byte[] utf8;
  private final long publishedAtMicros;
  private final boolean remote;
  private final String channel;
  private final long offset;
  private final String epoch;
  private volatile String text;
  private volatile AtomicReferenceArray<Object> encodings;

  public Outbound(byte[] utf8, long publishedAtMicros, boolean remote) {
    this(utf8, publishedAtMicros, remote, null, 0);
  }

  /** A broadcast on {@code channel}, at {@code offset} of its stream (0: no stream position). */
  public Outbound(byte[] utf8, long publishedAtMicros, boolean remote, String channel, long offset) {
    this(utf8, publishedAtMicros, remote, channel, offset, null);
  }

  /** A broadcast at {@code offset} of its stream's {@code epoch} (null: no stream position). */
  public Outbound(byte[] utf8, long publishedAtMicros, boolean remote, String channel, long offset,
                  String epoch) {
    this.utf8 = utf8;
    this.publishedAtMicros = publishedAtMicros;
    this.remote = remote;
    this.channel = channel;
    this.offset = offset;
    this.epoch = epoch;
  }

  /** The epoch of the broadcast's stream position, or null without one. */
  public String epoch() {
    return epoch;
  }

  /** The channel of a broadcast (null for a direct reply). */
  public String channel() {
    return channel;
  }

  /** The broadcast's offset in its channel's stream, or 0 when the channel keeps no history. */
  public long offset() {
    return offset;
  }

  /** A direct reply (err, ack, request reply): not a broadcast, no publish time. */
  public static Outbound direct(byte[] utf8) {
    return new Outbound(utf8, 0, false);
  }

  /** True for a broadcast published on another node. */
  public boolean remote() {
    return remote;
  }

  /** The encoded bytes. Never modify them: they are shared. */
  public byte[] bytes() {
    return utf8;
  }

  public int size() {
    return utf8.length;
  }

  /** When the message was published, in epoch microseconds, or 0 if unknown. */
  public long publishedAtMicros() {
    return publishedAtMicros;
  }

  /** The message as a string (decoded once; a benign race may decode it twice). */
  public String text() {
    String t = text;
    if (t == null) {
      t = new String(utf8, StandardCharsets.UTF_8);
      text = t;
    }
    return t;
  }

  /** The message in the given form, computed on first use and shared afterwards. */
  @SuppressWarnings("unchecked")
  public <T> T encoded(Encoding<T> encoding) {
    AtomicReferenceArray<Object> cache = encodings;
    if (cache == null) {
      cache = new AtomicReferenceArray<>(SLOTS);
      encodings = cache; // a benign race may drop one cache: its encoding is then computed again
    }
    Object value = cache.get(encoding.slot);
    if (value == null) {
      value = encoding.encode(this);
      cache.lazySet(encoding.slot, value);
    }
    return (T) value;
  }
}
