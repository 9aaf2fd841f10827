package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * xhr-streaming: {@code POST /eventbus/<server>/<session>/xhr_streaming}, one chunked response
 * with a 2048-byte {@code h} prelude (the client helper checks it) then one frame per line.
 * The gateway runs with a small {@code sockjs.maxBytesStreaming} so responses roll over.
 */
class SockJsXhrStreamingTest extends SockJsTransportContract {

  @Override
  protected JsonObject gatewayConfig() {
    return new JsonObject().put("sockjs", new JsonObject().put("maxBytesStreaming", 4096));
  }

  @Override
  protected SockJsClient open() {
    return SockJsClient.xhrStreaming(client, gateway.port);
  }

  @Override
  protected String transportTag() {
    return "xhr-streaming";
  }

  @Test
  void streamOpensWithPreludeThenOpenFrame() {
    try (SockJsClient s = open()) {
      SockJsStreamingClient st = (SockJsStreamingClient) s;
      assertEquals("o", s.frames().get(0));
      assertTrue(st.contentType().startsWith("application/javascript"), st.contentType());
      assertNull(s.failure(), "prelude or framing broken");
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
