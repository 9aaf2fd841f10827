package dev.gateway.transport.ws;

import dev.gateway.connection.Connection;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;

/**
 * Control frames from a WebSocket client, handled before Vert.x sees them. Vert.x answers every
 * ping with a pong at once, however fast pings come and whether or not the client reads, so a
 * client that sends pings and never reads makes the server queue pongs without bound. Here every
 * ping, pong and close frame counts against the connection's rate limit, and a pong is written
 * only if it fits in the connection's outbound queue (where it is counted until flushed); a ping
 * over the limit, or while the queue is full, gets no pong. Persistent abuse closes the
 * connection (4003), as for messages. Close frames are passed on to Vert.x (it completes the
 * close handshake). Runs on the connection's event loop.
 */
final class WebSocketGuard extends ChannelInboundHandlerAdapter {

  static final String NAME = "gatewayControlFrameGuard";
  /** Bytes a pong takes on the wire besides its payload (unmasked, payload under 126 bytes). */
  private static final int PONG_HEADER = 2;

  private final Connection connection;

  WebSocketGuard(Connection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PingWebSocketFrame ping) {
      boolean accepted = rate();
      int size = ping.content().readableBytes() + PONG_HEADER;
      if (accepted && connection.queueControl(size)) {
        ctx.writeAndFlush(new PongWebSocketFrame(ping.content()))
            .addListener(f -> connection.controlWritten(size));
      } else {
        ping.release();
      }
    } else if (msg instanceof PongWebSocketFrame pong) {
      rate();
      pong.release();
    } else if (msg instanceof CloseWebSocketFrame) {
      rate();
      ctx.fireChannelRead(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /** Counts a control frame; false when it is over the rate limit (or the connection closing). */
  private boolean rate() {
    return connection.controlFrame();
  }
}
