package dev.gateway.transport.ws;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Connection;
import dev.gateway.internal.VertxInternals;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import dev.gateway.transport.io.Flusher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket (native {@code /ws}, SockJS's raw {@code /websocket} or its framed
 * {@code /SERVER/SESSION/websocket}) as a {@link ClientTransport}.
 *
 * <p>Messages go out as frames encoded once per message and shared by every socket (an
 * {@link Outbound.Encoding}: {@link #MESSAGE_FRAME} carries the message itself, SockJS uses its
 * {@code a["..."]} frame), written straight to the connection's Netty pipeline below Vert.x's
 * frame encoder: per socket that is one buffer view and one write. Every message of the
 * connection takes that path, so their order is the order of the writes. A connection that
 * negotiated permessage-deflate writes through Vert.x (its frames must pass the compressor).
 *
 * <p>Flushes are coalesced under load by the loop's {@link Flusher}.
 *
 * <p>Control frames from the client are answered and counted by a {@link WebSocketGuard} in the
 * pipeline; a closing connection is cut by its {@link Connection} once the client stops reading.
 */
public class WebSocketTransport implements ClientTransport {

  /** The message itself as one complete, unmasked RFC 6455 text frame, encoded once, off-heap. */
  public static final Outbound.Encoding<ByteBuf> MESSAGE_FRAME = new Outbound.Encoding<>() {
    @Override
    protected ByteBuf encode(Outbound message) {
      return textFrame(message.bytes());
    }
  };

  private final String name;
  private final ServerWebSocket socket;
  private final Outbound.Encoding<ByteBuf> frames;
  /** Vert.x's handler's context on the channel (writes start below Vert.x's own handler). */
  private final ChannelHandlerContext channel;
  /** False when frames must go through Vert.x (an extension such as permessage-deflate). */
  private final boolean direct;
  private final Flusher flusher;

  public WebSocketTransport(String name, ServerWebSocket socket, Outbound.Encoding<ByteBuf> frames,
                            Flusher flusher) {
    this.name = name;
    this.socket = socket;
    this.frames = frames;
    this.flusher = flusher;
    this.channel = VertxInternals.context(socket);
    this.direct = channel != null && !VertxInternals.hasExtension(channel);
    VertxInternals.useDirectOutboundQueue(socket); // every write happens on this loop
  }

  /** Installs the control-frame guard for the connection (before any frame is handled). */
  public void guard(Connection connection) {
    if (channel != null) {
      VertxInternals.addBeforeVertx(channel, WebSocketGuard.NAME, new WebSocketGuard(connection));
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> write(Outbound message) {
    if (!direct) {
      // a fresh frame over the shared bytes: Vert.x releases a frame after one write
      return socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT,
          payloadOf(message), true));
    }
    return writeDirect(message.encoded(frames).duplicate());
  }

  /** The payload a frame of this transport carries for a message (only for non-direct writes). */
  protected byte[] payloadOf(Outbound message) {
    ByteBuf frame = message.encoded(frames).duplicate();
    int len = frame.getByte(1) & 0x7F;
    int header = len < 126 ? 2 : len == 126 ? 4 : 10;
    byte[] payload = new byte[frame.readableBytes() - header];
    frame.getBytes(header, payload);
    return payload;
  }

  /** Writes a text frame of the given payload (control messages of SockJS framing). */
  protected Future<Void> writeText(String payload) {
    if (!direct) {
      return socket.writeTextMessage(payload);
    }
    return writeDirect(textFrame(payload.getBytes(StandardCharsets.UTF_8)));
  }

  private Future<Void> writeDirect(ByteBuf frame) {
    if (socket.isClosed()) {
      return Future.failedFuture("WebSocket is closed");
    }
    Promise<Void> written = Promise.promise();
    ChannelPromise promise = channel.newPromise().addListener(f -> {
      if (f.isSuccess()) {
        written.tryComplete();
      } else {
        written.tryFail(f.cause());
      }
    });
    flusher.write(channel, frame, promise);
    return written.future();
  }

  @Override
  public void close(CloseReason reason, String text) {
    socket.close((short) reason.code(), text);
    if (channel != null) {
      // a close frame written while Vert.x is in the middle of a read is held back, and a
      // protocol error then closes the channel at once: flush it so the client sees the code
      channel.channel().flush();
    }
  }

  @Override
  public void terminate() {
    if (channel != null) {
      // from Vert.x's own handler down: a close from the pipeline's tail passes through Vert.x,
      // which holds it back while its graceful close waits for the client
      channel.close();
    } else {
      socket.close();
    }
  }

  @Override
  public boolean writable() {
    return channel == null || channel.channel().isWritable();
  }

  @Override
  public boolean ping() {
    socket.writePing(Buffer.buffer()); // a fresh buffer: frames release theirs
    return true;
  }

  @Override
  public boolean pause() {
    socket.pause();
    return true;
  }

  @Override
  public void resume() {
    socket.resume();
  }

  /** A complete unmasked text frame (FIN) of the payload, off-heap and never released by writes. */
  public static ByteBuf textFrame(byte[] payload) {
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
