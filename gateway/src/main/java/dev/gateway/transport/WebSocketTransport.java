package dev.gateway.transport;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Outbound;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

  private final Vertx vertx;
  private final ServerWebSocket socket;

  WebSocketTransport(Vertx vertx, ServerWebSocket socket) {
    this.vertx = vertx;
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
      // a close frame written while Vert.x is in the middle of a read is held back, and a
      // protocol error then closes the channel at once: flush it so the client sees the code
      internal.channelHandlerContext().flush();
      // a client that does not read never gets the close frame (it waits behind the queued
      // data) and Vert.x's closing timeout only starts once it is written: cut the TCP
      // connection so its queued bytes are freed
      vertx.setTimer(CLOSE_GRACE_MS, t -> {
        if (internal.channelHandlerContext().channel().isActive()) {
          internal.channelHandlerContext().close();
        }
      });
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
