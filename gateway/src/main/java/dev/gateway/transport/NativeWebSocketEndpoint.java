package dev.gateway.transport;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /ws}: the native WebSocket endpoint. Text messages carry the bridge protocol; binary
 * frames are refused with 1003 until a binary encoding exists; oversized messages close with
 * 1009, invalid UTF-8 with 1007, protocol violations with 1002.
 */
final class NativeWebSocketEndpoint {

  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final GatewayMetrics metrics;
  private final GatewayConfig.Limits limits;

  NativeWebSocketEndpoint(FanoutShard shard, ProtocolHandler protocol, Authenticator authenticator,
                          GatewayMetrics metrics, GatewayConfig config) {
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.limits = config.limits();
  }

  void handle(RoutingContext rc) {
    String upgrade = rc.request().getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      rc.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("WebSocket upgrade required\n");
      return;
    }
    String token = token(rc);
    if (token == null || !authenticator.enabled()) {
      if (authenticator.required()) {
        unauthorized(rc, "missing_token", "a token is required (?token= or Authorization: Bearer)");
        return;
      }
      upgrade(rc, null, null);
      return;
    }
    authenticator.verify(token).onComplete(ar -> {
      if (ar.failed()) {
        unauthorized(rc, "invalid_token", "token rejected: " + ar.cause().getMessage());
      } else {
        upgrade(rc, token, ar.result());
      }
    });
  }

  /** The token from {@code Authorization: Bearer} or the {@code token} query parameter. */
  static String token(RoutingContext rc) {
    String auth = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    return rc.request().getParam("token");
  }

  private void unauthorized(RoutingContext rc, String reason, String message) {
    metrics.authFailure(reason);
    metrics.handshakeRejected("unauthorized");
    rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", reason).put("message", message).encode());
  }

  private void upgrade(RoutingContext rc, String token, Grant grant) {
    rc.request().toWebSocket().onSuccess(ws -> accept(ws, token, grant)).onFailure(err -> {
      if (!rc.response().ended()) {
        rc.response().setStatusCode(400).end();
      }
    });
  }

  private void accept(ServerWebSocket ws, String token, Grant grant) {
    Connection c = new Connection(new WebSocketTransport(ws), shard, limits);
    if (grant != null) {
      c.authenticated(token, grant);
    }
    ws.pongHandler(data -> c.touch());
    MessageAssembler assembler = new MessageAssembler(limits.maxMessageBytes());
    ws.frameHandler(frame -> {
      if (c.isClosed()) {
        return;
      }
      c.touch();
      assembler.accept(frame);
      if (assembler.violation() != null) {
        c.close(assembler.violation());
      } else if (assembler.message() != null) {
        protocol.handle(c, assembler.message());
      }
    });
    ws.exceptionHandler(err -> {
      // Netty's decoder found a frame-level violation; Vert.x does not close by itself
      if (err instanceof CorruptedWebSocketFrameException corrupt) {
        c.close(corrupt.closeStatus().code() == 1009 ? CloseReason.TOO_BIG : CloseReason.PROTOCOL_ERROR);
      }
      // other errors (resets) are followed by the close handler
    });
    ws.closeHandler(v -> c.ended(ws.closeStatusCode() == null
        ? CloseReason.TRANSPORT_ERROR : CloseReason.CLIENT_CLOSED));
  }
}
