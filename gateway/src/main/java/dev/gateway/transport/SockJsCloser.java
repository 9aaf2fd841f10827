package dev.gateway.transport;

import dev.gateway.protocol.CloseReason;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Closes a SockJS session with the gateway's close code. Vert.x 5.0's {@code SockJSSession}
 * ignores the code of {@code close(code, reason)} and always sends {@code c[3000,"Go away!"]};
 * this reaches its package-private machinery (pinned to vertx-web 5.0.x and covered by tests) to
 * send {@code c[code,"reason"]} on the session's open receiving request, then shut it down.
 * A polling session with no receiving request open at that moment, or any failure to reach the
 * internals, falls back to the plain close (the client then sees 3000).
 */
final class SockJsCloser {

  private static final Class<?> SESSION;
  private static final Field LISTENER;
  private static final Field TRANSPORT_CONTEXT;
  private static final Method WRITE_CLOSED;
  private static final Method LISTENER_CLOSE;
  private static final Method SHUTDOWN;

  static {
    Class<?> session = null;
    Field listener = null;
    Field transportContext = null;
    Method writeClosed = null;
    Method listenerClose = null;
    Method shutdown = null;
    try {
      session = Class.forName("io.vertx.ext.web.handler.sockjs.impl.SockJSSession");
      Class<?> listenerType = Class.forName("io.vertx.ext.web.handler.sockjs.impl.TransportListener");
      listener = session.getDeclaredField("listener");
      transportContext = session.getDeclaredField("transportCtx");
      writeClosed = session.getDeclaredMethod("writeClosed", listenerType, int.class, String.class);
      listenerClose = listenerType.getDeclaredMethod("close");
      shutdown = session.getDeclaredMethod("shutdown");
      for (var member : new java.lang.reflect.AccessibleObject[] {
          listener, transportContext, writeClosed, listenerClose, shutdown}) {
        member.setAccessible(true);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.getLogger(SockJsCloser.class.getName()).log(System.Logger.Level.WARNING,
          "SockJS sessions will close with code 3000: vertx-web internals not reachable: " + e);
      session = null;
    }
    SESSION = session;
    LISTENER = listener;
    TRANSPORT_CONTEXT = transportContext;
    WRITE_CLOSED = writeClosed;
    LISTENER_CLOSE = listenerClose;
    SHUTDOWN = shutdown;
  }

  private SockJsCloser() {
  }

  /**
   * Whether the session currently has a receiving request attached. False if the internals are
   * not reachable (callers then leave the request to SockJS).
   */
  static boolean hasReceiver(Object session) {
    if (SESSION == null || !SESSION.isInstance(session)) {
      return false;
    }
    try {
      return LISTENER.get(session) != null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  static void close(SockJSSocket socket, CloseReason reason) {
    if (SESSION == null || !SESSION.isInstance(socket)) {
      socket.close(reason.code(), reason.text()); // raw WebSocket honours the code
      return;
    }
    try {
      Context ctx = (Context) TRANSPORT_CONTEXT.get(socket);
      if (ctx == null || ctx == Vertx.currentContext()) {
        closeOnTransportContext(socket, reason);
      } else {
        ctx.runOnContext(v -> closeOnTransportContext(socket, reason));
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      socket.close();
    }
  }

  private static void closeOnTransportContext(SockJSSocket socket, CloseReason reason) {
    try {
      Object listener = LISTENER.get(socket);
      if (listener == null) {
        socket.close();
        return;
      }
      WRITE_CLOSED.invoke(socket, listener, reason.code(), reason.text());
      LISTENER_CLOSE.invoke(listener);
      SHUTDOWN.invoke(socket);
    } catch (ReflectiveOperationException | RuntimeException e) {
      socket.close();
    }
  }
}
