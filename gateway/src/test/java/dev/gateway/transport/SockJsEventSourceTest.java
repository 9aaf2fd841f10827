package dev.gateway.transport;

import dev.gateway.support.GatewayExtension;
import dev.gateway.support.sockjs.SockJsSession;
import dev.gateway.support.sockjs.StreamingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * eventsource: {@code GET /eventbus/<server>/<session>/eventsource}, one chunked
 * {@code text/event-stream} response, one frame per {@code data:} event; sends go through
 * {@code xhr_send}. The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses
 * roll over.
 */
class SockJsEventSourceTest extends SockJsStreamingContract {

  @RegisterExtension
  static final GatewayExtension gw = GatewayExtension.config(CONFIG);

  @Override
  protected GatewayExtension gw() {
    return gw;
  }

  @Override
  protected StreamingSession open() {
    return SockJsSession.eventSource(gw.client(), gw.port());
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
