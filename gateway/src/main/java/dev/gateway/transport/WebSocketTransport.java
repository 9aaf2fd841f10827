package dev.gateway.transport;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Outbound;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/** Adapts a native RFC 6455 WebSocket (the {@code /ws} endpoint) to a {@link ClientTransport}. */
final class WebSocketTransport implements ClientTransport {

  static final String NAME = "websocket";

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
  }

  @Override
  public boolean ping() {
    socket.writePing(Buffer.buffer()); // a fresh buffer: frames release theirs
    return true;
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
  }
}
