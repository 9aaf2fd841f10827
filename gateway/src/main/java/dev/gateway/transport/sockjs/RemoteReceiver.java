package dev.gateway.transport.sockjs;

import dev.gateway.cluster.ClusterSeal;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * A receiving request held by another node of the cluster, attached to a session of this node
 * (its owner). Frames go to the forwarding node over the event bus; that node writes them to its
 * client and acknowledges the bytes once written, and only then do they leave the session's
 * outbound queue here: a slow client on the other node fills the session's queue like a local
 * one, so the slow-consumer policy applies unchanged. A forwarding node that stops acknowledging
 * (it died, the cluster split) makes the receiver count as gone. Confined to the session's loop.
 *
 * <p>A frame on the wire is {@link #frame}: its kind, its stream and its bytes, sealed with the
 * cluster secret for the forwarding node's address ({@link ClusterSeal}).
 */
final class RemoteReceiver implements Receiver {

  /** Bytes sent and not yet acknowledged above which the receiver reports unwritable. */
  static final int WINDOW = 256 * 1024;
  /** Frame kinds: bytes for the client, the end of the response, the response cut. */
  static final byte DATA = 'd';
  static final byte END = 'e';
  static final byte RESET = 'r';

  /** A frame as the forwarding node reads it back ({@link #parse}). */
  record Frame(byte kind, String stream, Buffer data) {
  }

  private record Written(long offset, Runnable callback) {
  }

  final String stream;
  private final SockJsSession session;
  private final String replyTo;
  private final Framing framing;
  private final String callback;
  private final EventBus eventBus;
  private final ClusterSeal seal;
  private final ArrayDeque<Written> unacked = new ArrayDeque<>();
  private long sent;
  private long acked;
  private long lastAck = System.nanoTime();
  private boolean ended;
  private Runnable onForget = () -> { };

  RemoteReceiver(SockJsSession session, String stream, String replyTo, Framing framing,
                 String callback, ClusterSeal seal) {
    this.seal = seal;
    this.session = session;
    this.stream = stream;
    this.replyTo = replyTo;
    this.framing = framing;
    this.callback = callback;
    this.eventBus = session.context().owner().eventBus();
  }

  SockJsSession session() {
    return session;
  }

  Context context() {
    return session.context();
  }

  @Override
  public Framing framing() {
    return framing;
  }

  @Override
  public String callback() {
    return callback;
  }

  @Override
  public void write(Buffer wrapped, Runnable written) {
    if (ended) {
      written.run();
      return;
    }
    if (unacked.isEmpty()) {
      lastAck = System.nanoTime(); // the wait for an acknowledgement starts now
    }
    sent += wrapped.length();
    unacked.add(new Written(sent, written));
    eventBus.send(replyTo, frame(seal, replyTo, DATA, stream, wrapped));
  }

  @Override
  public void end() {
    if (!ended) {
      ended = true;
      eventBus.send(replyTo, frame(seal, replyTo, END, stream, null));
      if (unacked.isEmpty()) {
        onForget.run();
      }
    }
  }

  @Override
  public void reset() {
    ended = true;
    eventBus.send(replyTo, frame(seal, replyTo, RESET, stream, null));
    releaseAll();
  }

  @Override
  public boolean writable() {
    return sent - acked < WINDOW;
  }

  /** The forwarding node wrote {@code total} bytes of this stream to its client. */
  void acknowledged(long total) {
    lastAck = System.nanoTime();
    acked = Math.max(acked, total);
    while (!unacked.isEmpty() && unacked.peek().offset() <= acked) {
      unacked.poll().callback().run();
    }
    if (ended && unacked.isEmpty()) {
      onForget.run();
    }
  }

  /** True when bytes wait for an acknowledgement that has not come for {@code timeoutNanos}. */
  boolean stalled(long now, long timeoutNanos) {
    return !unacked.isEmpty() && now - lastAck > timeoutNanos;
  }

  /** The stream is over (gone or stalled): whatever waited is released. */
  void releaseAll() {
    ended = true;
    while (!unacked.isEmpty()) {
      unacked.poll().callback().run();
    }
    onForget.run();
  }

  boolean ended() {
    return ended;
  }

  /** Runs once the stream has ended and everything sent was acknowledged (or released). */
  void onForget(Runnable r) {
    this.onForget = r;
  }

  /** A frame of a stream, sealed for the forwarding node's {@code replyTo} address. */
  static Buffer frame(ClusterSeal seal, String replyTo, byte kind, String stream, Buffer data) {
    byte[] id = stream.getBytes(StandardCharsets.UTF_8);
    Buffer b = Buffer.buffer(3 + id.length + (data == null ? 0 : data.length()))
        .appendByte(kind).appendUnsignedShort(id.length).appendBytes(id);
    if (data != null) {
      b.appendBuffer(data);
    }
    return seal.seal(replyTo, b);
  }

  /** The frame in an opened payload, or null when it is not one. */
  static Frame parse(Buffer payload) {
    if (payload.length() < 3) {
      return null;
    }
    int idLength = payload.getUnsignedShort(1);
    if (3 + idLength > payload.length()) {
      return null;
    }
    return new Frame(payload.getByte(0), payload.getString(3, 3 + idLength, "UTF-8"),
        payload.getBuffer(3 + idLength, payload.length()));
  }
}
