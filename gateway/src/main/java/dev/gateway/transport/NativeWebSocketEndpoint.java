package dev.gateway.transport;

import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.protocol.CloseReason;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /ws}: the native WebSocket endpoint. Text frames carry the bridge protocol; binary
 * frames are refused with 1003 until a binary encoding exists.
 */
final class NativeWebSocketEndpoint {

  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final GatewayConfig.Limits limits;

  NativeWebSocketEndpoint(FanoutShard shard, ProtocolHandler protocol, GatewayConfig config) {
    this.shard = shard;
    this.protocol = protocol;
    this.limits = config.limits();
  }

  void handle(RoutingContext rc) {
    String upgrade = rc.request().getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      rc.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("WebSocket upgrade required\n");
      return;
    }
    rc.request().toWebSocket().onSuccess(this::accept).onFailure(err -> {
      if (!rc.response().ended()) {
        rc.response().setStatusCode(400).end();
      }
    });
  }

  private void accept(ServerWebSocket ws) {
    Connection c = new Connection(new WebSocketTransport(ws), shard,
        limits.outboundQueueBytes(), limits.slowConsumerTimeoutMs());
    ws.textMessageHandler(text -> protocol.handle(c, text));
    ws.binaryMessageHandler(data -> c.close(CloseReason.UNSUPPORTED_DATA));
    ws.exceptionHandler(err -> { /* the close handler follows and ends the connection */ });
    ws.closeHandler(v -> c.ended(ws.closeStatusCode() == null
        ? CloseReason.TRANSPORT_ERROR : CloseReason.CLIENT_CLOSED));
  }
}
