package dev.gateway.connection;

import dev.gateway.protocol.CloseReason;
import dev.gateway.protocol.Outbound;
import io.vertx.core.Future;

/**
 * What a connection needs from a transport: write a message, close with a reason. Native
 * WebSocket and SockJS implement it; the rest of the gateway never sees either. Every method is
 * called on the connection's event loop. The transport reports the end of the connection (the
 * client closed, the network failed, {@link #terminate()} finished) with
 * {@link Connection#ended}, exactly once.
 */
public interface ClientTransport {

  /** Metric tag naming the transport ({@code websocket}, {@code xhr-streaming}, ...). */
  String name();

  /**
   * Writes one message. The future completes, on the connection's event loop, when the
   * transport has handed the message to the network (or failed): the connection counts the
   * message's bytes as queued until then.
   */
  Future<Void> write(Outbound message);

  /**
   * Starts closing: tells the client the reason where the transport can (a close frame, a SockJS
   * {@code c[code,"reason"]} frame) after whatever is already queued. Nothing is written after
   * it. The transport stays up until the client has read that (or {@link #terminate()}).
   */
  default void close(CloseReason reason) {
    close(reason, reason.text());
  }

  /**
   * As {@link #close(CloseReason)}, with {@code text} as the close frame's reason instead of the
   * reason's own (at most {@link CloseReason#MAX_TEXT_BYTES} bytes of UTF-8: see
   * {@link CloseReason#fit}).
   */
  void close(CloseReason reason, String text);

  /** Cuts the transport at once (a closing client that stopped reading): frees what it holds. */
  void terminate();

  /**
   * False while the transport's socket cannot take more bytes (the client does not read fast
   * enough). A connection whose socket stays unwritable past the slow-consumer timeout is closed.
   */
  default boolean writable() {
    return true;
  }

  /**
   * Sends a liveness probe the client must answer (a WebSocket ping). Returns false when the
   * transport has none (SockJS relies on its own heartbeat frames and session timeout).
   */
  boolean ping();

  /**
   * Stops reading from the client (inbound backpressure). Returns false when the transport
   * cannot push back (SockJS keeps accepting xhr_send bodies): the connection then refuses
   * further requests instead.
   */
  boolean pause();

  /** Reads from the client again. */
  void resume();

  /**
   * Whether the gateway may subscribe the connection to one more channel itself (the users API):
   * false when the transport could not carry it, as an SSE stream whose cursor would outgrow its
   * bound. {@code channels} are the connection's channels now.
   */
  default boolean mayAddChannel(java.util.Set<String> channels, String address) {
    return true;
  }
}
