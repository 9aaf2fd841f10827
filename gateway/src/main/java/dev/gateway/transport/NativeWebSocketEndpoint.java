package dev.gateway.transport;

import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HandshakeSteps;
import dev.gateway.transport.gate.QueryString;
import dev.gateway.transport.io.Flusher;
import dev.gateway.auth.Authenticator;
import dev.gateway.auth.Grant;
import dev.gateway.channel.FanoutShard;
import dev.gateway.channel.stream.StreamPosition;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.ConnectPositions;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.metrics.GatewayMetrics;
import dev.gateway.protocol.ProtocolException;
import dev.gateway.transport.ws.WebSocketConnections;
import dev.gateway.transport.ws.WebSocketTransport;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.net.InetAddress;
import java.util.Map;

/**
 * {@code GET /ws}: the native WebSocket endpoint. Text messages carry the bridge protocol; binary
 * frames are refused with 1003 until a binary encoding exists; oversized messages close with
 * 1009, invalid UTF-8 with 1007, protocol violations with 1002.
 *
 * <p>The handshake holds a connection slot from the gate's decision to the upgrade, and every
 * way out of it gives the slot back: a refusal, a malformed request, a bad token, an exception,
 * or the client leaving before the upgrade completes.
 */
final class NativeWebSocketEndpoint {

  static final String NAME = "websocket";

  /** The prefix of a token offered as a subprotocol ({@code token.<jwt>}). */
  static final String SUBPROTOCOL_TOKEN_PREFIX = "token.";

  private final LoopConnections loop;
  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final HandshakeGate gate;
  private final GatewayMetrics metrics;
  private final GatewayConfig.Limits limits;
  private final Flusher flusher;
  private final long headerTimeoutMs;

  NativeWebSocketEndpoint(LoopConnections loop, FanoutShard shard, ProtocolHandler protocol,
                          Authenticator authenticator, HandshakeGate gate, GatewayMetrics metrics,
                          GatewayConfig config, Flusher flusher) {
    this.loop = loop;
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.gate = gate;
    this.metrics = metrics;
    this.limits = config.limits();
    this.flusher = flusher;
    this.headerTimeoutMs = config.server().headerTimeoutMs();
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
    QueryString query = QueryString.parse(req.query());
    if (query == null) {
      gate.reject(req, 400, "bad_request", "malformed query string");
      return;
    }
    Map<String, StreamPosition> positions = null;
    String positionsText = query.get(ConnectPositions.QUERY_PARAMETER);
    if (positionsText != null) {
      try {
        positions = protocol.handshakePositions(positionsText);
      } catch (ProtocolException e) {
        gate.reject(req, 400, "invalid_position", e.getMessage());
        return;
      }
    }
    if (!gate.checkOrigin(req) || !gate.checkWebSocketVersion(req)) {
      return;
    }
    InetAddress client = gate.client(req);
    ConnectionSlots.Lease lease = gate.acquire(req, client);
    if (lease == null) {
      return;
    }
    // from here on the lease is held: every way out below releases it or hands it over, and a
    // handshake that has not completed within the header timeout gives it up
    lease.expireAfter(loop.context().owner(), headerTimeoutMs, () -> req.connection().close());
    Map<String, StreamPosition> from = positions;
    gate.admit(req, lease, authenticator, () -> token(req, query),
        "Authorization: Bearer, a token.<jwt> subprotocol, or the token query parameter",
        "the handshake failed", (token, grant) -> upgrade(req, lease, token, grant, from));
  }

  /**
   * The client's token, from the first of: {@code Authorization: Bearer TOKEN}; a
   * {@code token.TOKEN} entry among the offered subprotocols ({@code Sec-WebSocket-Protocol:
   * v1.eventbus.gateway, token.TOKEN}: browsers cannot set headers on a WebSocket, and a URL
   * ends up in logs); the {@code token} query parameter. The subprotocol entry is never selected,
   * so it is never echoed back. Null when none is given.
   */
  static String token(HttpServerRequest req, QueryString query) {
    String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    String offered = subprotocolToken(req);
    return offered != null ? offered : query.get("token");
  }

  /** The first {@code token.TOKEN} entry of the offered subprotocols (all headers), or null. */
  static String subprotocolToken(HttpServerRequest req) {
    for (String header : req.headers().getAll("Sec-WebSocket-Protocol")) {
      for (String entry : header.split(",")) {
        String e = entry.trim();
        if (e.startsWith(SUBPROTOCOL_TOKEN_PREFIX)) {
          return e.substring(SUBPROTOCOL_TOKEN_PREFIX.length());
        }
      }
    }
    return null;
  }

  private void upgrade(HttpServerRequest req, ConnectionSlots.Lease lease, String token,
                       Grant grant, Map<String, StreamPosition> positions) {
    req.toWebSocket().onComplete(ar -> {
      if (ar.failed()) {
        lease.release(); // the client left, or the upgrade was malformed
        if (!req.response().ended()) {
          req.response().setStatusCode(400).end();
        }
        return;
      }
      ServerWebSocket ws = ar.result();
      try {
        HandshakeSteps.reached(HandshakeSteps.UPGRADED);
        accept(ws, lease, token, grant, positions);
      } catch (RuntimeException e) {
        lease.release();
        ws.close((short) 1011, "internal error");
      }
    });
  }

  private void accept(ServerWebSocket ws, ConnectionSlots.Lease lease, String token, Grant grant,
                      Map<String, StreamPosition> positions) {
    WebSocketTransport transport = new WebSocketTransport(NAME, ws,
        WebSocketTransport.MESSAGE_FRAME, flusher);
    var c = WebSocketConnections.open(ws, transport, loop, shard, limits, lease, protocol::handle);
    try {
      HandshakeSteps.reached(HandshakeSteps.OPENED);
      if (grant != null) {
        // and the token's channels, server-side, from the positions the client gave
        protocol.authenticated(c, token, grant, positions);
      }
    } catch (RuntimeException e) {
      c.close(dev.gateway.protocol.CloseReason.INTERNAL_ERROR); // the connection releases the lease
    }
  }
}
