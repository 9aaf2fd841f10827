package dev.gateway.transport.sockjs;

import dev.gateway.transport.io.Flusher;
import dev.gateway.auth.Authenticator;
import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.connection.ProtocolHandler;
import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import dev.gateway.transport.gate.HandshakeGate;
import dev.gateway.transport.gate.HandshakeSteps;
import dev.gateway.transport.ws.WebSocketConnections;
import dev.gateway.transport.ws.WebSocketTransport;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.net.InetAddress;

/**
 * The WebSocket endpoints of SockJS: {@code PREFIX/websocket} (raw: one message per WebSocket
 * message, as {@code /ws}) and {@code PREFIX/SERVER/SESSION/websocket} (SockJS framing: {@code o},
 * {@code a[...]}, {@code h}, {@code c[code,"reason"]}; the client sends JSON arrays of strings).
 * A WebSocket session lives as long as its socket: its id is not looked up or kept. Both speak
 * RFC 6455 only (426 otherwise) and hold a connection slot from the gate to the end.
 */
final class SockJsWebSockets {

  /** A message in SockJS framing ({@code a["..."]}) as one complete text frame, shared. */
  static final Outbound.Encoding<ByteBuf> SOCKJS_FRAME = new Outbound.Encoding<>() {
    @Override
    protected ByteBuf encode(Outbound message) {
      return WebSocketTransport.textFrame(message.encoded(SockJsFrames.ARRAY));
    }
  };

  private final GatewayConfig config;
  private final HandshakeGate gate;
  private final LoopConnections loop;
  private final FanoutShard shard;
  private final ProtocolHandler protocol;
  private final Authenticator authenticator;
  private final Flusher flusher;

  SockJsWebSockets(GatewayConfig config, HandshakeGate gate, LoopConnections loop,
                   FanoutShard shard, ProtocolHandler protocol, Authenticator authenticator,
                   Flusher flusher) {
    this.config = config;
    this.gate = gate;
    this.loop = loop;
    this.shard = shard;
    this.protocol = protocol;
    this.authenticator = authenticator;
    this.flusher = flusher;
  }

  /** {@code PREFIX/websocket}. */
  void raw(HttpServerRequest req) {
    upgrade(req, false);
  }

  /** {@code PREFIX/SERVER/SESSION/websocket}. */
  void session(HttpServerRequest req) {
    upgrade(req, true);
  }

  private void upgrade(HttpServerRequest req, boolean framed) {
    if (req.method() != HttpMethod.GET) {
      req.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET").end();
      return;
    }
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      req.response().setStatusCode(400).end("Can \"Upgrade\" only to \"WebSocket\".");
      return;
    }
    String connection = req.getHeader(HttpHeaders.CONNECTION);
    if (connection == null || !connection.toLowerCase().contains("upgrade")) {
      req.response().setStatusCode(400).end("\"Connection\" must be \"Upgrade\".");
      return;
    }
    if (!gate.checkWebSocketVersion(req)) {
      return;
    }
    InetAddress client = gate.client(req);
    ConnectionSlots.Lease lease = gate.acquire(req, client);
    if (lease == null) {
      return;
    }
    lease.expireAfter(loop.context().owner(), config.server().headerTimeoutMs(),
        () -> req.connection().close());
    try {
      HandshakeSteps.reached(HandshakeSteps.ADMITTED);
    } catch (RuntimeException e) {
      lease.release();
      gate.reject(req, 500, "internal_error", "the handshake failed");
      return;
    }
    req.toWebSocket().onComplete(ar -> {
      if (ar.failed()) {
        lease.release();
        return;
      }
      try {
        HandshakeSteps.reached(HandshakeSteps.UPGRADED);
        accept(ar.result(), lease, framed);
      } catch (RuntimeException e) {
        lease.release(); // a connection, if it exists, has the lease and released it on close
        ar.result().close((short) 1011, "internal error");
      }
    });
  }

  private void accept(ServerWebSocket ws, ConnectionSlots.Lease lease, boolean framed) {
    Connection c;
    if (framed) {
      Framed transport = new Framed(ws, flusher);
      transport.heartbeats(config.sockjs().heartbeatMs());
      c = WebSocketConnections.open(ws, transport, loop, shard, config.limits(), lease,
          (conn, frame) -> {
            if (!SendPayload.deliverFrame(frame, m -> protocol.handle(conn, m))) {
              conn.close(CloseReason.PROTOCOL_ERROR); // broken SockJS framing
            }
          });
      transport.writeText(SockJsFrames.OPEN);
    } else {
      WebSocketTransport transport = new WebSocketTransport("sockjs-raw-websocket", ws,
          WebSocketTransport.MESSAGE_FRAME, flusher);
      c = WebSocketConnections.open(ws, transport, loop, shard, config.limits(), lease,
          protocol::handle);
    }
    try {
      HandshakeSteps.reached(HandshakeSteps.OPENED);
      if (authenticator.required()) {
        c.requireAuthenticationWithin(config.auth().deadlineMs());
      }
    } catch (RuntimeException e) {
      c.close(CloseReason.INTERNAL_ERROR);
    }
  }

  /**
   * SockJS framing over a WebSocket: open, heartbeat ({@code h} every {@code sockjs.heartbeatMs})
   * and close frames around the messages. Liveness is the WebSocket ping of every connection.
   */
  private static final class Framed extends WebSocketTransport {

    private final ServerWebSocket socket;

    Framed(ServerWebSocket socket, Flusher flusher) {
      super("sockjs-websocket", socket, SOCKJS_FRAME, flusher);
      this.socket = socket;
    }

    void heartbeats(long intervalMs) {
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.currentContext().owner();
      vertx.setPeriodic(intervalMs, t -> {
        if (socket.isClosed()) {
          vertx.cancelTimer(t);
        } else {
          writeText(SockJsFrames.HEARTBEAT);
        }
      });
    }

    @Override
    protected Future<Void> writeText(String payload) {
      return super.writeText(payload);
    }

    @Override
    public void close(CloseReason reason, String text) {
      writeText(SockJsFrames.close(reason.code(), text));
      super.close(reason, text);
    }
  }
}
