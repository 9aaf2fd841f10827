package dev.gateway.transport;

import dev.gateway.auth.Authenticator;
import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.CloseReason;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /ws}: the native WebSocket endpoint. Text messages carry the bridge protocol; binary
 * frames are refused with 1003 until a binary encoding exists; oversized messages close with
 * 1009, invalid UTF-8 with 1007, protocol violations with 1002.
 */
final class NativeWebSocketEndpoint {

  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final HandshakeGate gate;
  private final ConnectionSlots slots;
  private final GatewayMetrics metrics;
  private final GatewayConfig.Limits limits;
  /** Coalesces flushes of this loop's sockets while the loop is behind. */
  private final WebSocketTransport.Flusher flusher = new WebSocketTransport.Flusher();

  NativeWebSocketEndpoint(FanoutShard shard, ProtocolHandler protocol, Authenticator authenticator,
                          HandshakeGate gate, ConnectionSlots slots, GatewayMetrics metrics,
                          GatewayConfig config) {
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.gate = gate;
    this.slots = slots;
    this.metrics = metrics;
    this.limits = config.limits();
  }

  /**
   * Handles {@code /ws} straight from the HTTP server (not through the router), so the socket is
   * Vert.x's own and its channel can be flushed and closed when a client misbehaves.
   */
  void handle(HttpServerRequest req) {
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    if (req.method() != HttpMethod.GET || upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      HttpServerVerticle.securityHeaders(req.response());
      req.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("WebSocket upgrade required\n");
      return;
    }
    if (!gate.admitNativeWebSocket(req)) {
      return;
    }
    // from here on a connection slot is reserved: the connection takes it, or it is released
    String token = token(req);
    if (token == null || !authenticator.enabled()) {
      if (authenticator.required()) {
        unauthorized(req, "missing_token", "a token is required (?token= or Authorization: Bearer)");
        return;
      }
      upgrade(req, null, null);
      return;
    }
    authenticator.verify(token).onComplete(ar -> {
      if (ar.failed()) {
        unauthorized(req, "invalid_token", "token rejected: " + ar.cause().getMessage());
      } else {
        upgrade(req, token, ar.result());
      }
    });
  }

  /** The token from {@code Authorization: Bearer} or the {@code token} query parameter. */
  static String token(HttpServerRequest req) {
    String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    return req.getParam("token");
  }

  private void unauthorized(HttpServerRequest req, String reason, String message) {
    slots.release();
    metrics.authFailure(reason);
    metrics.handshakeRejected("unauthorized");
    HttpServerVerticle.securityHeaders(req.response());
    req.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", reason).put("message", message).encode());
  }

  private void upgrade(HttpServerRequest req, String token, Grant grant) {
    req.toWebSocket().onSuccess(ws -> accept(ws, token, grant)).onFailure(err -> {
      slots.release();
      if (!req.response().ended()) {
        req.response().setStatusCode(400).end();
      }
    });
  }

  private void accept(ServerWebSocket ws, String token, Grant grant) {
    Connection c = new Connection(new WebSocketTransport(ws, shard.context(), flusher), shard, limits, slots,
        true);
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
        int code = corrupt.closeStatus().code();
        c.close(code == 1009 ? CloseReason.TOO_BIG
            : code == 1007 ? CloseReason.BAD_PAYLOAD : CloseReason.PROTOCOL_ERROR);
      }
      if (Compression.isInflationLimit(err)) {
        c.close(CloseReason.TOO_BIG); // a compressed message inflating past the limit
      }
      // other errors (resets) are followed by the close handler
    });
    // no close frame from the client (1006 in Vert.x 5): the transport failed
    ws.closeHandler(v -> c.ended(ws.closeStatusCode() == null || ws.closeStatusCode() == 1006
        ? CloseReason.TRANSPORT_ERROR : CloseReason.CLIENT_CLOSED));
  }
}
