package dev.gateway.transport;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Outbound;
import dev.gateway.protocol.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/** Adapts a native RFC 6455 WebSocket (the {@code /ws} endpoint) to a {@link ClientTransport}. */
final class WebSocketTransport implements ClientTransport {

  static final String NAME = "websocket";

  /** How long a closed socket may take to flush its close frame before its TCP connection is cut. */
  static final long CLOSE_GRACE_MS = 1_000;

  private final ServerWebSocket socket;

  WebSocketTransport(ServerWebSocket socket) {
    this.socket = socket;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> write(Outbound message) {
    // a fresh frame over the shared bytes: frames are released after one write
    return socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, message.bytes(), true));
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
