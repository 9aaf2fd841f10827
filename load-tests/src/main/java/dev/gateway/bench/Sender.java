package dev.gateway.bench;

/**
 * A publisher connection: a WebSocket {@link Session} (one text frame per message) or a
 * {@link SockJsSession} (messages batched into {@code xhr_send} requests as sockjs-client does).
 * {@code send} never blocks; it is called from the publisher's own thread.
 */
interface Sender {

  void send(String text);
}
