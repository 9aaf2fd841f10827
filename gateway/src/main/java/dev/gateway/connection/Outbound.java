package dev.gateway.connection;

import java.nio.charset.StandardCharsets;

/**
 * One encoded message for clients: UTF-8 bytes produced once and shared by every socket it is
 * written to. Each WebSocket gets its own frame over these bytes (a frame's buffer is released
 * after one write); SockJS needs text, decoded at most once and shared as well.
 */
public final class Outbound {

  private final byte[] utf8;
  private final long publishedAtMicros;
  private final boolean remote;
  private volatile String text;

  public Outbound(byte[] utf8, long publishedAtMicros, boolean remote) {
    this.utf8 = utf8;
    this.publishedAtMicros = publishedAtMicros;
    this.remote = remote;
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
}
