package dev.gateway.transport.ws;

import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import dev.gateway.internal.VertxInternals;
import io.vertx.core.http.HttpConnection;

/**
 * permessage-deflate with a bounded inflater. Vert.x 5.0 installs Netty's extension handler
 * without an allocation limit, so one small compressed frame can inflate to many megabytes
 * before any message-size check sees it. When compression is on, each new HTTP connection's
 * extension handler is replaced by one whose inflater stops at the message-size limit (the
 * connection is then closed with 1009).
 */
public final class Compression {

  private static final int COMPRESSION_LEVEL = 6;

  private Compression() {
  }

  public static void capInflation(HttpConnection conn, int maxInflatedBytes) {
    VertxInternals.replaceExtensionHandler(conn, new WebSocketServerExtensionHandler(
        new PerMessageDeflateServerExtensionHandshaker(COMPRESSION_LEVEL,
            ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
            PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, false, false,
            maxInflatedBytes)));
  }

  /** True for the inflater's "limit reached" failure. */
  public static boolean isInflationLimit(Throwable err) {
    return err instanceof io.netty.handler.codec.compression.DecompressionException
        || (err instanceof io.netty.handler.codec.CodecException
            && String.valueOf(err.getMessage()).toLowerCase().contains("maximum"));
  }
}
