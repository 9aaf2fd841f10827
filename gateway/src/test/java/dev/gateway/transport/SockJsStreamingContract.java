package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.sockjs.StreamingSession;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What the two streaming SockJS transports (xhr-streaming, eventsource) must do on top of the
 * {@link SockJsTransportContract}: the gateway runs with a small {@code sockjs.maxBytesStreaming}
 * ({@link #CONFIG}) so responses roll over, and a session survives that on one connection.
 */
abstract class SockJsStreamingContract extends SockJsTransportContract {

  /** The gateway config of the streaming transports' tests. */
  static final JsonObject CONFIG = new JsonObject()
      .put("sockjs", new JsonObject().put("maxBytesStreaming", 4096));

  @Override
  protected abstract StreamingSession open();

  /**
   * A fresh session's first frame is the open frame, its response has this content type, and the
   * client helper found no framing fault ({@code framing} says what would be broken).
   */
  protected void assertStreamOpens(String contentTypePrefix, String framing) {
    try (StreamingSession s = open()) {
      assertEquals("o", s.frames().get(0));
      assertTrue(s.contentType().startsWith(contentTypePrefix), s.contentType());
      assertNull(s.failure(), framing);
    }
  }

  @Test
  void messagesSurviveResponseRollover(TestInfo info) {
    String address = channel(info);
    try (StreamingSession s = open()) {
      s.register(address);
      // about 12 KB through a session whose responses end after 4 KB
      publishManyAndReceiveInOrder(s, address, 40, 300);
      assertTrue(s.responses() >= 3, "responses: " + s.responses());
      assertNull(s.failure());
      assertEquals(1.0, gw().metric(connectionsGauge()), "rollover must not open a new connection");
    }
  }
}
