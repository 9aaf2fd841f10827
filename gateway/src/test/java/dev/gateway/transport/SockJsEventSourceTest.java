package dev.gateway.transport;

import org.junit.jupiter.api.Test;

/**
 * eventsource: {@code GET /eventbus/<server>/<session>/eventsource}, one chunked
 * {@code text/event-stream} response, one frame per {@code data:} event; sends go through
 * {@code xhr_send}. The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses
 * roll over.
 */
class SockJsEventSourceTest extends SockJsStreamingContract {

  @Override
  protected SockJsClient open() {
    return SockJsClient.eventSource(client, gateway.port);
  }

  @Override
  protected String transportTag() {
    return "eventsource";
  }

  @Test
  void streamOpensWithOpenEvent() {
    assertStreamOpens("text/event-stream", "event-stream framing broken");
  }
}
