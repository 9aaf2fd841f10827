package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * eventsource: {@code GET /eventbus/<server>/<session>/eventsource}, one chunked
 * {@code text/event-stream} response, one frame per {@code data:} event; sends go through
 * {@code xhr_send}. The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses
 * roll over.
 */
class SockJsEventSourceTest extends SockJsTransportContract {

  @Override
  protected JsonObject gatewayConfig() {
    return new JsonObject().put("sockjs", new JsonObject().put("maxBytesStreaming", 4096));
  }

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
    try (SockJsClient s = open()) {
      SockJsStreamingClient st = (SockJsStreamingClient) s;
      assertEquals("o", s.frames().get(0));
      assertTrue(st.contentType().startsWith("text/event-stream"), st.contentType());
      assertNull(s.failure(), "event-stream framing broken");
    }
  }

  @Test
  void messagesSurviveResponseRollover(TestInfo info) {
    String address = channel(info);
    try (SockJsClient s = open()) {
      s.register(address);
      // about 12 KB through a session whose responses end after 4 KB
      publishManyAndReceiveInOrder(s, address, 40, 300);
      SockJsStreamingClient st = (SockJsStreamingClient) s;
      assertTrue(st.responses() >= 3, "responses: " + st.responses());
      assertNull(s.failure());
      assertEquals(1.0, gateway.metric(connectionsGauge()), "rollover must not open a new connection");
    }
  }
}
