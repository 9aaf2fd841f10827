package dev.gateway.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * permessage-deflate with a bounded inflater. Vert.x 5.0 installs Netty's extension handler
 * without an allocation limit, so one small compressed frame can inflate to many megabytes
 * before any message-size check sees it. When compression is on, each new HTTP connection's
 * extension handler is replaced by one whose inflater stops at the message-size limit (the
 * connection is then closed with 1009).
 */
final class Compression {

  /** Name Vert.x gives its extension handler in the pipeline. */
  private static final String HANDLER = "webSocketExtensionHandler";
  private static final int COMPRESSION_LEVEL = 6;

  private Compression() {
  }

  static void capInflation(HttpConnection conn, int maxInflatedBytes) {
    if (!(conn instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (pipeline.get(HANDLER) == null) {
      return;
    }
    pipeline.replace(HANDLER, HANDLER, new WebSocketServerExtensionHandler(
        new PerMessageDeflateServerExtensionHandshaker(COMPRESSION_LEVEL,
            ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
            PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, false, false,
            maxInflatedBytes)));
  }

  /** True for the inflater's "limit reached" failure. */
  static boolean isInflationLimit(Throwable err) {
    return err instanceof io.netty.handler.codec.compression.DecompressionException
        || (err instanceof io.netty.handler.codec.CodecException
            && String.valueOf(err.getMessage()).toLowerCase().contains("maximum"));
  }
}
