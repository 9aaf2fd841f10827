package dev.gateway.connection;

import dev.gateway.protocol.CloseReason;
import io.vertx.core.Future;

/**
 * What a connection needs from a transport: write a message, close with a reason. Native
 * WebSocket and SockJS implement it; the rest of the gateway never sees either.
 */
public interface ClientTransport {

  /** Metric tag naming the transport ({@code websocket}, {@code xhr-streaming}, ...). */
  String name();

  /**
   * Writes one message. The future completes when the transport has flushed it (or failed):
   * the connection counts the message's bytes as queued until then.
   */
  Future<Void> write(Outbound message);

  /** Closes the transport, telling the client the reason where the transport can. */
  void close(CloseReason reason);

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
}
