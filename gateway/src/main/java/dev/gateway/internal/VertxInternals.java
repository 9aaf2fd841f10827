package dev.gateway.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.Map;

/**
 * Every use the gateway makes of Vert.x 5.0 internals, in one place (pinned to 5.0.x by
 * {@code VertxInternalsTest}). Each exists because the public API has no equivalent:
 * <ul>
 *   <li>the Netty channel under a WebSocket or an HTTP connection: frames encoded once per
 *   broadcast are written straight to the pipeline, flushes are coalesced, control frames are
 *   answered and counted by the gateway ({@code WebSocketGuard}), a closing client that stopped
 *   reading is cut, writability is read, and permessage-deflate gets a bounded inflater;</li>
 *   <li>a {@link Buffer} over an existing off-heap {@link ByteBuf} (shared SockJS chunks), so a
 *   chunk written to a thousand responses is never copied per response;</li>
 *   <li>the cluster manager, for the cluster-members gauge;</li>
 *   <li>the password of the key store {@code PemKeyCertOptions.loadKeyStore} builds, so the TLS
 *   certificate check reads the key Vert.x will serve from the same store;</li>
 *   <li>the outbound message queue of an upgraded WebSocket connection. Vert.x 5.0 creates
 *   WebSocket connections outside its strict thread mode, with a multi-producer queue whose first
 *   chunk alone takes about 4 kB per connection; every write to a gateway WebSocket happens on
 *   its own event loop, so the gateway swaps it for Vert.x's direct queue (what strict mode uses
 *   for HTTP connections), which holds nothing.</li>
 * </ul>
 */
public final class VertxInternals {

  /** Name Vert.x gives its own handler in a connection's pipeline (frames reach it last). */
  public static final String VERTX_HANDLER = "handler";
  /** Name Vert.x gives the WebSocket extension handler (permessage-deflate) in the pipeline. */
  public static final String EXTENSION_HANDLER = "webSocketExtensionHandler";

  private VertxInternals() {
  }

  /** The Netty context of Vert.x's handler on a WebSocket's channel, or null if unknown. */
  public static ChannelHandlerContext context(ServerWebSocket socket) {
    return socket instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
  }

  /** The Netty context of Vert.x's handler on an HTTP connection's channel, or null if unknown. */
  public static ChannelHandlerContext context(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channelHandlerContext() : null;
  }

  /** True when the WebSocket negotiated an extension (its frames must pass Vert.x's encoder). */
  public static boolean hasExtension(ChannelHandlerContext ctx) {
    for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
      if (e.getValue() instanceof WebSocketExtensionEncoder) {
        return true;
      }
    }
    return false;
  }

  /** Adds a handler just before Vert.x's own, so it sees decoded frames first. */
  public static void addBeforeVertx(ChannelHandlerContext ctx, String name, ChannelHandler handler) {
    ChannelPipeline pipeline = ctx.pipeline();
    if (pipeline.get(VERTX_HANDLER) == null) {
      throw new IllegalStateException("no Vert.x handler in the pipeline: " + pipeline.names());
    }
    pipeline.addBefore(VERTX_HANDLER, name, handler);
  }

  /** Replaces the permessage-deflate handler of an HTTP connection, if it has one. */
  public static boolean replaceExtensionHandler(HttpConnection connection, ChannelHandler handler) {
    ChannelHandlerContext ctx = context(connection);
    if (ctx == null || ctx.pipeline().get(EXTENSION_HANDLER) == null) {
      return false;
    }
    ctx.pipeline().replace(EXTENSION_HANDLER, EXTENSION_HANDLER, handler);
    return true;
  }

  /** A Vert.x buffer over the given bytes, without copying them (the caller keeps them alive). */
  public static Buffer buffer(ByteBuf bytes) {
    return BufferInternal.buffer(bytes);
  }

  /** The bytes of a Vert.x buffer as a Netty buffer (a view; writing it releases nothing shared). */
  public static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }

  private static final java.lang.reflect.Field OUTBOUND_QUEUE;
  private static final java.lang.reflect.Constructor<?> DIRECT_QUEUE;

  static {
    java.lang.reflect.Field field = null;
    java.lang.reflect.Constructor<?> constructor = null;
    try {
      field = io.vertx.core.net.impl.VertxConnection.class.getDeclaredField("outboundMessageQueue");
      field.setAccessible(true);
      Class<?> direct = Class.forName(io.vertx.core.net.impl.VertxConnection.class.getName()
          + "$DirectOutboundMessageQueue");
      constructor = direct.getDeclaredConstructor(io.vertx.core.net.impl.VertxConnection.class);
      constructor.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.getLogger(VertxInternals.class.getName()).log(System.Logger.Level.WARNING,
          "WebSocket connections keep Vert.x's multi-producer outbound queue (about 4 kB each): " + e);
      field = null;
      constructor = null;
    }
    OUTBOUND_QUEUE = field;
    DIRECT_QUEUE = constructor;
  }

  /**
   * Gives an upgraded WebSocket connection Vert.x's direct outbound queue (call on its event
   * loop, before anything is written to it; every later write must be on that loop too).
   * Returns false when this Vert.x has no such queue (nothing changed).
   */
  public static boolean useDirectOutboundQueue(ServerWebSocket socket) {
    if (OUTBOUND_QUEUE == null || !(socket instanceof WebSocketInternal internal)) {
      return false;
    }
    Object connection = connectionOf(internal);
    if (!(connection instanceof io.vertx.core.net.impl.VertxConnection vc)) {
      return false;
    }
    try {
      OUTBOUND_QUEUE.set(vc, DIRECT_QUEUE.newInstance(vc));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** The VertxConnection under a WebSocket (the handler's connection), or null. */
  static Object connectionOf(WebSocketInternal socket) {
    ChannelHandlerContext ctx = socket.channelHandlerContext();
    ChannelHandler handler = ctx.handler();
    return handler instanceof io.vertx.core.net.impl.VertxHandler<?> vh ? vh.getConnection() : null;
  }

  /** The class of an upgraded WebSocket connection's outbound queue (for tests). */
  static String outboundQueueClass(ServerWebSocket socket) throws ReflectiveOperationException {
    Object connection = connectionOf((WebSocketInternal) socket);
    return OUTBOUND_QUEUE == null ? null : OUTBOUND_QUEUE.get(connection).getClass().getSimpleName();
  }

  /** The node's cluster manager, or null when not clustered. */
  public static ClusterManager clusterManager(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager();
  }

  /**
   * The password Vert.x gives the entries of the key store it builds from PEM files
   * ({@code PemKeyCertOptions#loadKeyStore}).
   */
  public static char[] pemKeyStorePassword() {
    return io.vertx.core.net.impl.KeyStoreHelper.DUMMY_PASSWORD.toCharArray();
  }
}
