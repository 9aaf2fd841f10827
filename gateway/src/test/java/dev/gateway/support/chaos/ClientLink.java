package dev.gateway.support.chaos;

import dev.gateway.support.BridgeClient;
import dev.gateway.support.sockjs.SockJsSession;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * One connection of a {@link RecoveringClient}, over one of the transports a browser would use:
 * native WebSocket ({@code /ws}), SockJS xhr-streaming or SockJS xhr-polling, all speaking the
 * bridge JSON protocol. Blocking calls: never on an event loop.
 */
public interface ClientLink {

  /** The transports the chaos tests spread their clients over. */
  enum Transport { WEBSOCKET, XHR_STREAMING, XHR_POLLING }

  /** Sends the messages (SockJS: in one request, in order). */
  void send(JsonObject... messages);

  /** The next message received, or null after {@code millis}. */
  JsonObject next(long millis);

  /** The connection ended (a close, a reset, a failed request); messages may still be queued. */
  boolean ended();

  /** How it ended: {@code close CODE REASON}, or the failure. */
  String end();

  /** The close code the server sent, or null (none, or not ended). */
  Integer closeCode();

  /** {@code System.nanoTime()} of the last frame received (heartbeats and pings included). */
  long lastFrameNanos();

  /** Stops reading from the network (WebSocket only): the server's queue fills up. */
  void pauseReading();

  void resumeReading();

  /** Lets go of the connection without waiting for its node. */
  void abandon();

  /** Opens a link on the node's port; throws if it does not open. */
  static ClientLink open(Transport transport, Vertx vertx, int port) {
    return switch (transport) {
      case WEBSOCKET -> new Ws(BridgeClient.connect(vertx,
          // a small receive buffer, so that a client that stops reading fills the server's queue soon
          new WebSocketClientOptions().setReceiveBufferSize(16 * 1024),
          new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")));
      case XHR_STREAMING -> new Sockjs(SockJsSession.xhrStreaming(vertx, port));
      case XHR_POLLING -> new Sockjs(SockJsSession.xhrPolling(vertx, port));
    };
  }

  /** Native WebSocket. */
  final class Ws implements ClientLink {
    private final BridgeClient c;

    Ws(BridgeClient c) {
      this.c = c;
    }

    @Override
    public void send(JsonObject... messages) {
      for (JsonObject m : messages) {
        c.send(m);
      }
    }

    @Override
    public JsonObject next(long millis) {
      return c.poll(millis);
    }

    @Override
    public boolean ended() {
      return c.isClosed();
    }

    @Override
    public String end() {
      return c.socket.closeStatusCode() == null ? "closed without a close frame"
          : "close " + c.socket.closeStatusCode() + " " + c.closeReason();
    }

    @Override
    public Integer closeCode() {
      Short code = c.socket.closeStatusCode();
      return code == null ? null : (int) code;
    }

    @Override
    public long lastFrameNanos() {
      return c.lastFrameNanos();
    }

    @Override
    public void pauseReading() {
      c.socket.pause();
    }

    @Override
    public void resumeReading() {
      c.socket.resume();
    }

    @Override
    public void abandon() {
      c.abandon();
    }
  }

  /** SockJS over HTTP requests. */
  final class Sockjs implements ClientLink {
    private final SockJsSession s;
    private volatile String sendFailure;

    Sockjs(SockJsSession s) {
      this.s = s;
      s.stopKeepingFrames();
    }

    @Override
    public void send(JsonObject... messages) {
      String[] texts = new String[messages.length];
      for (int i = 0; i < texts.length; i++) {
        texts[i] = messages[i].encode();
      }
      try {
        s.sendMessages(texts);
      } catch (RuntimeException | AssertionError e) {
        sendFailure = "send failed: " + e.getMessage();
      }
    }

    @Override
    public JsonObject next(long millis) {
      return s.next(millis);
    }

    @Override
    public boolean ended() {
      return s.closeFrame() != null || s.failure() != null || sendFailure != null;
    }

    @Override
    public String end() {
      JsonArray close = s.closeFrame();
      return close != null ? "close " + close.getValue(0) + " " + close.getValue(1)
          : s.failure() != null ? "failed: " + s.failure() : sendFailure;
    }

    @Override
    public Integer closeCode() {
      JsonArray close = s.closeFrame();
      return close == null ? null : close.getInteger(0);
    }

    @Override
    public long lastFrameNanos() {
      return s.lastFrameNanos();
    }

    @Override
    public void pauseReading() {
      throw new UnsupportedOperationException("only WebSocket clients stop reading in these tests");
    }

    @Override
    public void resumeReading() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void abandon() {
      CompletableFuture.runAsync(s::close);
    }
  }
}
