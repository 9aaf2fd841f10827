package dev.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * xhr-polling: {@code POST /eventbus/<server>/<session>/xhr}, one frame per poll. A session whose
 * client stopped polling between two polls only ends at the session timeout, so the gateway runs
 * with a short one (2 s) to keep the gauge test quick.
 */
class SockJsXhrPollingTest extends SockJsTransportContract {

  @Override
  protected JsonObject gatewayConfig() {
    return new JsonObject().put("sockjs", new JsonObject().put("sessionTimeoutMs", 2000));
  }

  @Override
  protected SockJsClient open() {
    return SockJsClient.xhrPolling(client, gateway.port);
  }

  @Override
  protected String transportTag() {
    return "xhr-polling";
  }

  @Test
  void firstPollAnswersOpenFrame() {
    try (SockJsClient s = open()) {
      assertEquals("o", s.frames().get(0));
    }
  }

  @Test
  void messagesQueuedBetweenPollsAllArriveInOrder(TestInfo info) {
    String address = channel(info);
    try (SockJsClient s = open()) {
      s.register(address);
      publishManyAndReceiveInOrder(s, address, 30, 100);
      // every frame came in its own poll; no close frame
      SockJsPollingClient p = (SockJsPollingClient) s;
      assertTrue(p.polls() >= 2, "polls: " + p.polls());
      assertEquals(null, s.closeFrame());
    }
  }
}
