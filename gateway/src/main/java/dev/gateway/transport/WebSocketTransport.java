package dev.gateway.transport;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Outbound;
import dev.gateway.protocol.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * Adapts a native RFC 6455 WebSocket (the {@code /ws} endpoint) to a {@link ClientTransport}.
 *
 * <p>Messages go out as frames encoded once per message ({@link Outbound#webSocketFrame()}),
 * written straight to the connection's Netty pipeline below Vert.x's frame encoder: per socket
 * that is one buffer view and one write, instead of a frame object, an encoder pass, a buffer
 * copy and a hop through Vert.x's outbound queue. Every message of the connection takes that
 * path, so their order is the order of the writes. Control frames (ping, close) still go through
 * Vert.x. A connection that negotiated permessage-deflate writes through Vert.x (its frames must
 * pass the compressor).
 *
 * <p>Flushes are coalesced under load: a write made while more tasks wait on the event loop (the
 * loop is behind, for example with further broadcasts queued) is not flushed at once; the
 * loop's {@link Flusher} flushes every such channel once, after the tasks queued so far. A
 * subscriber then gets several messages per system call instead of one. An idle loop flushes
 * every write immediately, as before.
 */
final class WebSocketTransport implements ClientTransport {

  static final String NAME = "websocket";

  /** How long a closed socket may take to flush its close frame before its TCP connection is cut. */
  static final long CLOSE_GRACE_MS = 1_000;

  private final ServerWebSocket socket;
  /** The pipeline position to write encoded frames at; null when frames must go through Vert.x. */
  private final ChannelHandlerContext direct;
  private final ContextInternal context;
  private final Flusher flusher;
  private boolean flushPending;

  WebSocketTransport(ServerWebSocket socket, Context context, Flusher flusher) {
    this.socket = socket;
    this.context = (ContextInternal) context;
    this.flusher = flusher;
    ChannelHandlerContext ctx = null;
    if (socket instanceof WebSocketInternal internal && !compressed(internal)) {
      ctx = internal.channelHandlerContext();
    }
    this.direct = ctx;
  }

  private static boolean compressed(WebSocketInternal socket) {
    for (Map.Entry<String, ChannelHandler> e : socket.channelHandlerContext().pipeline()) {
      if (e.getValue() instanceof WebSocketExtensionEncoder) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> write(Outbound message) {
    if (direct == null) {
      // a fresh frame over the shared bytes: frames are released after one write
      return socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, message.bytes(), true));
    }
    if (socket.isClosed()) {
      return context.failedFuture("WebSocket is closed");
    }
    PromiseInternal<Void> written = context.promise();
    ChannelPromise promise = direct.newPromise().addListener(written);
    EventExecutor loop = direct.executor();
    if (loop instanceof SingleThreadEventExecutor queue && queue.inEventLoop()
        && queue.pendingTasks() > 0) {
      direct.write(message.webSocketFrame(), promise);
      flusher.defer(this, loop);
    } else {
      direct.writeAndFlush(message.webSocketFrame(), promise);
    }
    return written.future();
  }

  /**
   * The WebSocket channels of one event loop written to and not yet flushed. Confined to that
   * loop. Its flush task is queued behind the tasks already waiting, so everything they write
   * to a channel goes out with one flush.
   */
  static final class Flusher implements Runnable {

    private final List<WebSocketTransport> pending = new ArrayList<>();
    private boolean scheduled;

    void defer(WebSocketTransport t, EventExecutor loop) {
      if (!t.flushPending) {
        t.flushPending = true;
        pending.add(t);
      }
      if (!scheduled) {
        scheduled = true;
        loop.execute(this);
      }
    }

    @Override
    public void run() {
      scheduled = false;
      for (int i = 0; i < pending.size(); i++) {
        WebSocketTransport t = pending.get(i);
        t.flushPending = false;
        t.direct.flush();
      }
      pending.clear();
    }
  }

  @Override
  public void close(CloseReason reason) {
    socket.close((short) reason.code(), reason.text());
    if (socket instanceof WebSocketInternal internal) {
      ChannelHandlerContext ctx = internal.channelHandlerContext();
      Channel channel = ctx.channel();
      // a close frame written while Vert.x is in the middle of a read is held back, and a
      // protocol error then closes the channel at once: flush it so the client sees the code
      channel.flush();
      // a client that does not read never gets the close frame (it waits behind the queued
      // data) and Vert.x's closing timeout only starts once it is written: cut the connection
      // after a grace period so its queued bytes are freed. (Closing below Vert.x's handler:
      // Vert.x holds a close back while its own graceful close waits; it then logs that its
      // close promise was already completed, which is harmless.)
      channel.eventLoop().schedule(() -> {
        if (channel.isActive()) {
          ctx.close();
        }
      }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }
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
}
