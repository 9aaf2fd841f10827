package dev.gateway.transport.sockjs;

import io.vertx.core.buffer.Buffer;

/**
 * Where a SockJS session's frames go while a receiving request is attached: a local HTTP
 * response ({@link HttpReceiver}), or a request held by another node of the cluster and
 * forwarded here ({@link RemoteReceiver}). The session calls it on the session's event loop;
 * the receiver does the hop to wherever its response lives and calls {@code written} back on the
 * session's loop once the bytes left for the network.
 */
interface Receiver {

  /** How this transport wraps frames and whether it stays open after one. */
  Framing framing();

  /** The JSONP / htmlfile callback name, or null. */
  String callback();

  /**
   * Writes one frame, already wrapped for this transport ({@link Framing#wrap}), or a shared
   * chunk of a broadcast. {@code written} runs on the session's loop when it is flushed (or
   * failed: a receiver that is gone completes at once).
   */
  void write(Buffer wrapped, Runnable written);

  /** Ends the receiving request normally (polling answered, streaming limit reached, closed). */
  void end();

  /** Cuts the receiving request's connection at once (a closing client that stopped reading). */
  void reset();

  /** False while the receiver's socket cannot take more bytes. */
  boolean writable();
}
