package dev.gateway.transport.ws;

import dev.gateway.channel.FanoutShard;
import dev.gateway.config.GatewayConfig;
import dev.gateway.connection.Connection;
import dev.gateway.connection.ConnectionSlots;
import dev.gateway.connection.LoopConnections;
import dev.gateway.protocol.CloseReason;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.http.ServerWebSocket;
import java.util.function.BiConsumer;

/**
 * Opens a {@link Connection} over an upgraded WebSocket, the same way for {@code /ws} and both
 * SockJS WebSocket endpoints: control-frame guard, message assembly with the size, UTF-8 and
 * binary rules, close codes for frame-level violations, and the end of the connection.
 */
public final class WebSocketConnections {

  private WebSocketConnections() {
  }

  /**
   * Opens the connection, which takes over the handshake's lease. Each complete text message
   * goes to {@code onMessage} (on the connection's loop).
   */
  public static Connection open(ServerWebSocket ws, WebSocketTransport transport,
                                LoopConnections loop, FanoutShard shard,
                                GatewayConfig.Limits limits, ConnectionSlots.Lease lease,
                                BiConsumer<Connection, String> onMessage) {
    Connection c = new Connection(transport, loop, shard, limits, lease);
    transport.guard(c);
    MessageAssembler assembler = new MessageAssembler(limits.maxMessageBytes());
    ws.frameHandler(frame -> {
      if (c.isClosed()) {
        return;
      }
      assembler.accept(frame);
      if (assembler.violation() != null) {
        c.close(assembler.violation());
      } else if (assembler.message() != null) {
        onMessage.accept(c, assembler.message());
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
    return c;
  }
}
