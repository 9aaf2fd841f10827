package dev.gateway.transport;

import dev.gateway.connection.ClientTransport;
import dev.gateway.connection.Outbound;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Future;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** Adapts one SockJS session, whatever its transport, to a {@link ClientTransport}. */
final class SockJsTransport implements ClientTransport {

  private final SockJSSocket socket;
  private final String name;

  SockJsTransport(SockJSSocket socket) {
    this.socket = socket;
    this.name = transportName(socket.uri());
  }

  /** Metric tag for a SockJS session, from the path of the request that opened it. */
  static String transportName(String uri) {
    String path = uri == null ? "" : uri;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    String last = path.substring(path.lastIndexOf('/') + 1);
    return switch (last) {
      case "websocket" -> path.matches(".*/[^/]+/[^/]+/websocket") ? "sockjs-websocket" : "sockjs-raw-websocket";
      case "xhr_streaming" -> "xhr-streaming";
      case "xhr" -> "xhr-polling";
      case "eventsource" -> "eventsource";
      case "htmlfile" -> "htmlfile";
      case "jsonp" -> "jsonp-polling";
      default -> "sockjs-other";
    };
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> write(Outbound message) {
    return socket.write(message.text());
  }

  @Override
  public void close(CloseReason reason) {
    SockJsCloser.close(socket, reason);
  }

  @Override
  public boolean ping() {
    return false;
  }

  @Override
  public boolean pause() {
    // SockJSSession.pause() only holds messages in an unbounded queue; xhr_send still answers
    // 204: refusing requests at the cap is the bounded choice
    return false;
  }

  @Override
  public void resume() {
    // nothing was paused
  }
}
