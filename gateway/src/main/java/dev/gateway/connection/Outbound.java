package dev.gateway.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One encoded message for clients: UTF-8 bytes produced once and shared by every socket it is
 * written to. Each WebSocket gets its own frame over these bytes (a frame's buffer is released
 * after one write), or a view of the whole frame encoded once ({@link #webSocketFrame()}); SockJS
 * needs text, decoded at most once and shared as well.
 */
public final class Outbound {

  private final byte[] utf8;
  private final long publishedAtMicros;
  private final boolean remote;
  private volatile String text;
  private volatile ByteBuf webSocketFrame;

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

  /**
   * The message as one complete, unmasked RFC 6455 text frame (header and payload), encoded once
   * in off-heap memory and shared: each call returns a new view to write to one socket. The
   * memory is never released by a write; it is freed when the message is garbage collected.
   *
   * <p>Shared off-heap bytes matter: a heap frame makes Netty copy it into a direct buffer per
   * socket, and with 200 non-reading clients whose queues fill (SlowConsumerTest) that copying
   * raised healthy clients' p99 from about 15 ms to 140-160 ms. The cost is that the memory
   * waits for the collector (promoted messages for a full GC, or for the JDK's own collection
   * when {@code MaxDirectMemorySize} is reached); a pooled buffer released after the last write
   * would free it at once.
   */
  public ByteBuf webSocketFrame() {
    ByteBuf f = webSocketFrame;
    if (f == null) {
      f = encodeTextFrame(utf8);
      webSocketFrame = f; // a benign race may encode it twice
    }
    return f.duplicate();
  }

  private static ByteBuf encodeTextFrame(byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    ByteBuffer b = ByteBuffer.allocateDirect(header + n);
    b.put((byte) 0x81); // FIN, text
    if (n < 126) {
      b.put((byte) n);
    } else if (n <= 0xFFFF) {
      b.put((byte) 126).putShort((short) n);
    } else {
      b.put((byte) 127).putLong(n);
    }
    b.put(payload).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(b));
  }
}
