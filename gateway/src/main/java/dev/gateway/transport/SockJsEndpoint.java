package dev.gateway.transport;

import dev.gateway.channel.FanoutShard;
import dev.gateway.cluster.SockJsForwarding;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.Transport;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@code /eventbus}: the SockJS endpoint (protocol 0.3.3). Serves the configured transports and
 * adapts each session to a {@link Connection}; the iframe page loads sockjs-client from the
 * gateway itself, never from a CDN.
 */
final class SockJsEndpoint {

  /** Where the gateway serves sockjs-client. */
  static final String LIBRARY_PATH = "/lib/sockjs.min.js";

  private static final Map<String, Transport> TRANSPORTS = Map.of(
      "websocket", Transport.WEBSOCKET,
      "xhr", Transport.XHR,
      "eventsource", Transport.EVENT_SOURCE,
      "htmlfile", Transport.HTML_FILE,
      "jsonp", Transport.JSON_P);

  /** Sockets already adapted to a connection (identity; entries leave when sessions close). */
  private static final Map<SockJSSocket, Boolean> ADAPTED =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private SockJsEndpoint() {
  }

  /** The session id of {@code /eventbus/SERVER/SESSION/TRANSPORT}, or null (raw WebSocket). */
  static String sessionId(String uri) {
    SockJsPath path = SockJsPath.parse(uri);
    return path == null ? null : path.session();
  }

  static Router router(Vertx vertx, GatewayConfig config, FanoutShard shard, ProtocolHandler protocol,
                       SockJsForwarding forwarding, ConnectionSlots slots,
                       SockJsOpenings openings) {
    GatewayConfig.SockJs sockjs = config.sockjs();
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .setHeartbeatInterval(sockjs.heartbeatMs())
        .setSessionTimeout(sockjs.sessionTimeoutMs())
        .setMaxBytesStreaming(sockjs.maxBytesStreaming())
        .setInsertJSESSIONID(false)
        .setLibraryURL(LIBRARY_PATH);
    TRANSPORTS.forEach((name, transport) -> {
      if (!sockjs.transports().contains(name)) {
        options.addDisabledTransport(transport.name());
      }
    });
    GatewayConfig.Limits limits = config.limits();
    return SockJSHandler.create(vertx, options).socketHandler(sock -> {
      openings.opened(sessionId(sock.uri()));
      if (ADAPTED.putIfAbsent(sock, Boolean.TRUE) != null) {
        return; // the socket handler ran twice for one session (see SockJsOpenings): keep the first
      }
      // the session takes the slot the gate reserved for the request that creates it
      Connection c = new Connection(new SockJsTransport(sock), shard, limits, slots,
          HandshakeGate.takeSlot(sock.routingContext()));
      sock.handler(data -> protocol.handle(c, data.toString()));
      sock.exceptionHandler(err -> c.ended(CloseReason.TRANSPORT_ERROR));
      sock.closeHandler(v -> {
        ADAPTED.remove(sock);
        c.ended(CloseReason.CLIENT_CLOSED);
        if (forwarding != null) {
          forwarding.sessionClosed(sessionId(sock.uri()));
        }
      });
    });
  }
}
